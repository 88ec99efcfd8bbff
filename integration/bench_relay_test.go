package integration

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/creack/pty"
	"github.com/nsj-dev/nsj/integration/harness"
)

// BenchmarkFsContainerRelay: what the pseudo-terminal of --fs container
// costs (docs/security.md, defence 17). Startup: busybox true with stdin a
// terminal (relayed) against stdin /dev/null. Throughput: busybox cat of a
// 50 MB file to a terminal through the relay against straight to
// /dev/null. And the waiting parent's RSS, relaying and not.
func BenchmarkFsContainerRelay(b *testing.B) {
	c := harness.SharedContainerd(b)
	rootfs := harness.DistrolessRootfs(b)
	if err := os.WriteFile(filepath.Join(rootfs, "big"), []byte(strings.Repeat("0123456789abcdef\n", 50<<20/17)), 0o644); err != nil {
		b.Fatal(err)
	}
	tk := c.RunTask(b, "nsj-bench", harness.UniqueID("bench-relay"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(rootfs)))
	busybox := harness.StaticBusybox(b)
	master, slave, err := pty.Open()
	if err != nil {
		b.Fatal(err)
	}
	defer master.Close()
	defer slave.Close()
	go io.Copy(io.Discard, master)
	nsjCmd := func(tty bool, args ...string) *exec.Cmd {
		cmd := exec.Command(harness.NsjPath(b), append([]string{"-a", c.Address, "-n", "nsj-bench", "--fs", "container", tk.ID, busybox}, args...)...)
		if tty {
			cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		}
		return cmd
	}
	// Startup, side by side.
	compare(b, 0, []string{"piped", "pty-relay"},
		func() *exec.Cmd { return nsjCmd(false, "true") },
		func() *exec.Cmd { c := nsjCmd(false, "true"); c.Stdin = slave; return c })
	// Throughput, 3 runs each.
	for _, tty := range []bool{false, true} {
		var best time.Duration
		for i := 0; i < 3; i++ {
			cmd := nsjCmd(tty, "cat", "/big")
			start := time.Now()
			if err := cmd.Run(); err != nil {
				b.Fatalf("cat through nsj (tty %v): %v", tty, err)
			}
			if d := time.Since(start); best == 0 || d < best {
				best = d
			}
		}
		b.ReportMetric(float64(best.Milliseconds()), map[bool]string{false: "cat-50MB-devnull-ms", true: "cat-50MB-relay-ms"}[tty])
	}
	// The waiting parent's RSS while the command sleeps.
	for _, tty := range []bool{false, true} {
		cmd := nsjCmd(tty, "sleep", "1")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		st := harness.ProcStatus(b, cmd.Process.Pid)
		cmd.Wait()
		kb := strings.TrimSuffix(st["VmRSS"], " kB")
		b.ReportMetric(float64(harness.Atoi(kb)), map[bool]string{false: "parent-rss-piped-kB", true: "parent-rss-relay-kB"}[tty])
	}
}
