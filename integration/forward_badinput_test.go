package integration

import (
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// Bad -L/-R specs: one line, exit 125, before anything is looked up or
// opened (the containerd socket here does not exist, so any lookup would
// fail differently).
func TestForwardBadSpecs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-L", "8080", "web"}, `-L "8080": want [BIND:]PORT:HOST:HOSTPORT`},
		{[]string{"-L", "8080:db.example.com:5432", "web"}, "nsj resolves no names"},
		{[]string{"-R", "70000:127.0.0.1:80", "web"}, `port "70000"`},
		{[]string{"-L", "8080:127.0.0.1:0", "web"}, `port "0"`},
		{[]string{"-R", "[::1:9000:127.0.0.1:80", "web"}, "unclosed ["},
		{[]string{"-L", "8080:127.0.0.1:80", "-e", "A=1", "web"}, "without COMMAND nsj only forwards: drop -e"},
		{[]string{"-L", "8080:127.0.0.1:80", "--all", "--", "true"}, "-L goes with nsj TASK, nsj -t PID or nsj pod/NAME, not --all"},
		{[]string{"web", "-L", "8080:127.0.0.1:80"}, "-L after the container is a word of the command; nsj's flags come before the container"},
		{[]string{"web", "-R9000:127.0.0.1:80", "sh"}, "-R after the container is a word of the command"},
	} {
		r := harness.Nsj(t, append([]string{"-a", "/nonexistent/containerd.sock"}, tc.args...)...)
		r.Fails(t, 125, tc.want)
	}
}
