package harness

import (
	"os"
	"os/exec"
)

// Cgroup2Bed reports whether the suite runs its containers on cgroup v2.
func Cgroup2Bed() bool { return os.Getenv("NSJ_CGROUP") == "2" }

// inCgroup2View runs cmd in a private mount namespace with cgroup2 at
// /sys/fs/cgroup (unshare execs, so cmd's PID stays the daemon's).
func inCgroup2View(cmd *exec.Cmd) *exec.Cmd {
	const script = `set -e
mount -t cgroup2 cgroup2 /sys/fs/cgroup
exec "$@"`
	args := append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", cmd.Path}, cmd.Args[1:]...)
	return exec.Command("unshare", args...)
}
