package harness

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A task's files and state as the host sees them, and the specs the tests
// give tasks.

// InTask is path as the task's init sees it, from the host.
func InTask(tk *Task, path string) string {
	return fmt.Sprintf("/proc/%d/root%s", tk.PID, path)
}

// Exists is a condition for WaitFor: path exists (not followed if a link).
func Exists(path string) func() bool {
	return func() bool { _, err := os.Lstat(path); return err == nil }
}

// InitStatus is the /proc/PID/status of a task's init running /sleep,
// once runc has executed it (before, it is runc's, with other privileges).
func InitStatus(t *testing.T, tk *Task) map[string]string {
	t.Helper()
	WaitFor(t, 10*time.Second, "the task's /sleep", func() bool {
		return ReadFile(t, fmt.Sprintf("/proc/%d/cmdline", tk.PID)) == "/sleep\x00100000\x00"
	})
	return ProcStatus(t, int(tk.PID))
}

// ProcStatus is /proc/PID/status, line by line.
func ProcStatus(t testing.TB, pid int) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(ReadFile(t, fmt.Sprintf("/proc/%d/status", pid)), "\n") {
		k, v, _ := strings.Cut(line, ":")
		out[k] = strings.TrimSpace(v)
	}
	return out
}

// WithWritableTmp gives a task a tmpfs at /tmp: its root is read-only.
func WithWritableTmp() oci.SpecOpts {
	return oci.WithMounts([]specs.Mount{{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777"}}})
}

// UsernsHostUID is the host uid of root in the tests' user-namespaced
// containers; they map 65536 uids and gids from there.
const UsernsHostUID = 200000

// WithUserNamespace gives a container a user namespace of its own, whose
// root is host uid UsernsHostUID. runc creates its other namespaces inside
// it, so they are owned by it: its network namespace, for one.
func WithUserNamespace() oci.SpecOpts {
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: UsernsHostUID, Size: 65536}}
	return oci.WithUserNamespace(m, m)
}
