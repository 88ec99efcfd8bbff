package integration

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// BenchmarkCp: a 64 MiB file out of and into a task's tmpfs, by nsj cp and
// by cp(1) through /proc/PID/root (the unsafe way, as a yardstick of the
// raw copy). Medians and ratios, as make bench prints them.
func BenchmarkCp(b *testing.B) {
	c := harness.SharedContainerd(b)
	tk := c.RunTask(b, cpNS, harness.UniqueID("bench-cp"), harness.WithSpecOpts(harness.WithWritableTmp()))
	dir := b.TempDir()
	src := filepath.Join(dir, "big")
	if out, err := exec.Command("dd", "if=/dev/urandom", "of="+src, "bs=1M", "count=64").CombinedOutput(); err != nil {
		b.Fatalf("dd: %v: %s", err, out)
	}
	if out, err := exec.Command("cp", src, harness.InTask(tk, "/tmp/big")).CombinedOutput(); err != nil {
		b.Fatalf("cp: %v: %s", err, out)
	}
	nsjBin := harness.NsjPath(b)
	nsjCp := func(from, to string) func() *exec.Cmd {
		return func() *exec.Cmd {
			return exec.Command(nsjBin, "cp", "-a", c.Address, "-n", cpNS, strings.Replace(from, "TASK", tk.ID, 1), strings.Replace(to, "TASK", tk.ID, 1))
		}
	}
	hostCp := func(from, to string) func() *exec.Cmd {
		return func() *exec.Cmd { return exec.Command("cp", from, to) }
	}
	sideBySide(b, []string{"nsj-cp-out", "cp-proc-root-out", "nsj-cp-in", "cp-proc-root-in"},
		nsjCp("TASK:/tmp/big", filepath.Join(dir, "out")), hostCp(harness.InTask(tk, "/tmp/big"), filepath.Join(dir, "out2")),
		nsjCp(src, "TASK:/tmp/in"), hostCp(src, harness.InTask(tk, "/tmp/in2")))
}
