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
		{"quiet with a task", []string{"-q", "web", "ps"}, "-q goes with --list or --list --pods, not nsj TASK: drop -q"},
		{"output with a PID", []string{"-o", "json", "-t", "1", "true"}, "-o goes with --list, --list --pods or --all, not nsj -t PID: drop -o"},
		{"all namespaces with a pod", []string{"-A", "pod/web", "ps"}, "-A goes with --list or --all, not nsj pod/NAME: drop -A"},
		{"quiet with --inspect", []string{"--inspect", "-q", "web"}, "-q goes with --list or --list --pods, not --inspect TASK: drop -q"},
		{"sysfs with --list", []string{"--list", "--sysfs"}, "--sysfs goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --list: drop --sysfs"},
		{"env with --list", []string{"--list", "-e", "A=1"}, "-e goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --list: drop -e"},
		{"ns with --list", []string{"--list", "--ns", "net"}, "--ns goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --list: drop --ns"},
		{"fs with --list --pods", []string{"--list", "--pods", "--fs", "container"}, "--fs goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --list --pods: drop --fs"},
		// Accepted and ignored before issue 21 item 3:
		{"sysfs with --inspect", []string{"--inspect", "--sysfs", "web"}, "--sysfs goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --inspect TASK: drop --sysfs"},
		{"privileged with --inspect", []string{"--inspect", "--fs", "container", "--privileged", "web"}, "--fs goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --inspect TASK: drop --fs"},
		{"-A with -n", []string{"--list", "-A", "-n", "k8s.io"}, "-A takes every containerd namespace, -n k8s.io one; give one of them"},
		{"-j 0 with a join", []string{"-j", "0", "-t", "1", "true"}, "-j goes with --all, not nsj -t PID: drop -j"},
		{"--timeout with a PID", []string{"--timeout", "1s", "-t", "1", "true"}, "--timeout goes with nsj TASK, nsj pod/NAME, --list, --list --pods, --inspect TASK, --inspect pod/NAME or --all, not nsj -t PID: drop --timeout"},
		{"-n against NAMESPACE/ID", []string{"-n", "default", "k8s.io/3f2a", "true"}, `"k8s.io/3f2a" names containerd namespace "k8s.io", -n "default"; give one of them`},
		{"nsj's own variable", []string{"-e", "_NSJ_TEST_STOP_AT=exec", "-t", "1", "true"}, `-e "_NSJ_TEST_STOP_AT=exec": names starting with _NSJ_ are nsj's own`},
		{"log level", []string{"--log-level", "loud", "-t", "1", "true"}, `--log-level "loud": use trace, debug, info, warn, error, fatal or panic`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each is refused before anything is looked up: nothing shared
			harness.Nsj(t, tt.args...).Fails(t, 125, tt.want)
		})
	}
}
