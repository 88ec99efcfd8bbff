package integration

import (
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// A flag the chosen mode would ignore is refused before anything is looked
// up: one line saying what to drop, exit 125.
func TestFlagsTheModeIgnoresAreRefusedWithWhatToDrop(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"quiet with a task", []string{"-q", "web", "ps"}, "-q goes with --list, not a join: drop -q"},
		{"output with a PID", []string{"-o", "json", "-t", "1", "true"}, "-o goes with --list or --all, not a join: drop -o"},
		{"all namespaces with a pod", []string{"-A", "pod/web", "ps"}, "-A goes with --list or --all, not a join: drop -A"},
		{"quiet with --inspect", []string{"--inspect", "-q", "web"}, "-q goes with --list, not --inspect: drop -q"},
		{"sysfs with --list", []string{"--list", "--sysfs"}, "--sysfs goes with a join, not --list: drop --sysfs"},
		{"env with --list", []string{"--list", "-e", "A=1"}, "-e goes with a join, not --list: drop -e"},
		{"ns with --list", []string{"--list", "--ns", "net"}, "--ns goes with a join, not --list: drop --ns"},
		{"fs with --list --pods", []string{"--list", "--pods", "--fs", "container"}, "--fs goes with a join, not --list: drop --fs"},
		{"nsj's own variable", []string{"-e", "_NSJ_TEST_STOP_AT=exec", "-t", "1", "true"}, `-e "_NSJ_TEST_STOP_AT=exec": names starting with _NSJ_ are nsj's own`},
		{"log level", []string{"--log-level", "loud", "-t", "1", "true"}, `--log-level "loud": use trace, debug, info, warn, error, fatal or panic`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			harness.Nsj(t, tt.args...).Fails(t, 125, tt.want)
		})
	}
}
