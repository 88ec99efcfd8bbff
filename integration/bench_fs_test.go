package integration

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// BenchmarkFilesystemViews: the same static command (busybox true) in a
// task, in the host view (the default), with the container's root attached
// at a directory nsj creates and removes (--root-at), and in the container's
// own mount namespace (--fs container: confined to the container's
// privileges and cgroups; with --privileged, not). Medians and ratios, as
// make bench prints them.
func BenchmarkFilesystemViews(b *testing.B) {
	c := harness.SharedContainerd(b)
	tk := c.RunTask(b, "nsj-bench", "bench-fs")
	nsjBin, busybox := harness.NsjPath(b), filepath.Join("/bin", "busybox")
	dir := filepath.Join(b.TempDir(), "root")
	run := func(flags ...string) func() *exec.Cmd {
		args := append([]string{"-a", c.Address, "-n", "nsj-bench"}, flags...)
		return func() *exec.Cmd { return exec.Command(nsjBin, append(args, tk.ID, busybox, "true")...) }
	}
	sideBySide(b, []string{"host-view", "root-at", "fs-container", "fs-container-privileged"},
		run(), run("--root-at", dir), run("--fs", "container"), run("--log-level", "error", "--fs", "container", "--privileged"))
}
