package integration

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Benchmarks run nsj and the alternative side by side, alternating, and
// report medians and their ratio; they assert nothing about time (make bench).

// sideBySide times each command once per iteration, in turn, and reports
// the median of each and the ratio of the first to the others.
func sideBySide(b *testing.B, names []string, cmds ...func() *exec.Cmd) {
	b.Helper()
	times := make([][]time.Duration, len(cmds))
	for i := 0; i < b.N; i++ {
		for j, mk := range cmds {
			c := mk()
			start := time.Now()
			if out, err := c.CombinedOutput(); err != nil {
				b.Fatalf("%s: %v: %s", names[j], err, out)
			}
			times[j] = append(times[j], time.Since(start))
		}
	}
	first := median(times[0])
	b.ReportMetric(0, "ns/op")
	for j, ts := range times {
		m := median(ts)
		b.ReportMetric(float64(m.Microseconds())/1000, names[j]+"-median-ms")
		if j > 0 {
			b.ReportMetric(float64(first)/float64(m), "ratio-vs-"+names[j])
		}
	}
}

func median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkJoinPID: nsj -t PID true against the nsenter pipeline that gives
// the same view (private mounts, joined namespaces, a fresh /proc).
func BenchmarkJoinPID(b *testing.B) {
	tg := startTarget(b, "sleep 100000")
	nsjBin, pid := nsjPath(b), tg.pidArg()
	sideBySide(b, []string{"nsj", "nsenter"},
		func() *exec.Cmd { return exec.Command(nsjBin, "-t", pid, "true") },
		func() *exec.Cmd {
			return exec.Command("unshare", "-fm", "--propagation", "private", "nsenter", "-t", pid, "-n", "-p", "-u", "-i",
				"sh", "-c", "mount -t proc proc /proc; exec true")
		})
	b.ReportMetric(parentRSS(b, nsjBin, pid), "parent-rss-MiB")
}

// parentRSS is the resident memory of nsj's waiting parent while its
// command (sleep) runs.
func parentRSS(b *testing.B, nsjBin, pid string) float64 {
	cmd := exec.Command(nsjBin, "-t", pid, "sleep", "5")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	waitFor(b, 10*time.Second, "nsj's command", func() bool { return childOf(cmd.Process.Pid) > 0 })
	time.Sleep(100 * time.Millisecond)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmRSS in /proc/PID/status")
	return 0
}
