package integration

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// BenchmarkCpStopped: /bin/busybox out of a stopped container (its
// snapshot mounted detached, read-only, each time) and out of a running
// one (its /proc/PID/root): what the mount costs. Medians and their ratio,
// as make bench prints them.
func BenchmarkCpStopped(b *testing.B) {
	c := harness.SharedContainerd(b)
	stopped := c.RunSnapshotTask(b, cpNS, harness.UniqueID("bench-cp-stopped"), "true")
	running := c.RunTask(b, cpNS, harness.UniqueID("bench-cp-running"))
	dir, nsjBin := b.TempDir(), harness.NsjPath(b)
	out := func(id, dest string) func() *exec.Cmd {
		return func() *exec.Cmd {
			return exec.Command(nsjBin, "cp", "-a", c.Address, "-n", cpNS, id+":/bin/busybox", filepath.Join(dir, dest))
		}
	}
	sideBySide(b, []string{"nsj-cp-stopped", "nsj-cp-running"}, out(stopped.ID, "s"), out(running.ID, "r"))
}
