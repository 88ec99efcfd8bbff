package integration

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
)

// Benchmarks run nsj and the alternative side by side, alternating, and
// report medians and their ratio; they assert nothing about time (make bench).

// sideBySide times each command once per iteration, in turn, and reports
// the median of each and the ratio of the first to the others.
func sideBySide(b *testing.B, names []string, cmds ...func() *exec.Cmd) {
	b.Helper()
	compare(b, 0, names, cmds...)
}

// compare times the commands in turn and reports medians, ratios and, for
// commands over n > 0 tasks, the median per task.
func compare(b *testing.B, n int, names []string, cmds ...func() *exec.Cmd) {
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
	first := harness.Median(times[0])
	b.ReportMetric(0, "ns/op")
	for j, ts := range times {
		m := harness.Median(ts)
		b.ReportMetric(float64(m.Microseconds())/1000, names[j]+"-median-ms")
		if n > 0 {
			b.ReportMetric(float64(m.Microseconds())/1000/float64(n), names[j]+"-per-task-ms")
		}
		if j > 0 {
			b.ReportMetric(float64(first)/float64(m), "ratio-vs-"+names[j])
		}
	}
}

// BenchmarkJoinPID: nsj -t PID true against the nsenter pipeline that gives
// the same view (private mounts, joined namespaces, a fresh /proc).
func BenchmarkJoinPID(b *testing.B) {
	tg := harness.StartTarget(b, "sleep 100000")
	nsjBin, pid := harness.NsjPath(b), tg.PIDArg()
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
	harness.WaitFor(b, 10*time.Second, "nsj's command", func() bool { return harness.ChildOf(cmd.Process.Pid) > 0 })
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

// BenchmarkJoinTask: nsj -a S -n NS TASK true against the shell way (ctr
// task ls for the PID, then the nsenter pipeline) and against ctr task exec
// of the container's own true.
func BenchmarkJoinTask(b *testing.B) {
	c := harness.SharedContainerd(b)
	tk := c.RunTask(b, "nsj-bench", "bench-join")
	nsjBin, seq := harness.NsjPath(b), 0
	shell := `PID=$(ctr -a "$1" -n nsj-bench task ls | awk '$1=="bench-join"{print $2}') &&
		unshare -fm --propagation private nsenter -t "$PID" -n -p -u -i sh -c 'mount -t proc proc /proc; exec true'`
	sideBySide(b, []string{"nsj", "ctr+nsenter", "ctr-exec"},
		func() *exec.Cmd { return exec.Command(nsjBin, "-a", c.Address, "-n", "nsj-bench", tk.ID, "true") },
		func() *exec.Cmd { return exec.Command("sh", "-c", shell, "sh", c.Address) },
		func() *exec.Cmd {
			seq++
			return exec.Command("ctr", "-a", c.Address, "-n", "nsj-bench", "task", "exec", "--exec-id", fmt.Sprint("bench-", seq), tk.ID, "/bin/true")
		})
}

// BenchmarkLookupAmong1000: nsj TASK true for an exact ID in a namespace of
// 1,000 containers against one with a single container.
func BenchmarkLookupAmong1000(b *testing.B) {
	c := harness.SharedContainerd(b)
	one := c.RunTask(b, "nsj-bench-1", "only")
	many := c.RunTask(b, "nsj-bench-1000", "needle")
	ctx, cancel := harness.TaskContext("nsj-bench-1000")
	defer cancel()
	for i := 0; i < 999; i++ {
		id := fmt.Sprintf("hay-%04d", i)
		if _, err := c.Client.NewContainer(ctx, id, client.WithNewSpec(oci.WithProcessArgs("true"))); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			ctx, cancel := harness.TaskContext("nsj-bench-1000")
			defer cancel()
			c.Client.ContainerService().Delete(ctx, id)
		})
	}
	nsjBin := harness.NsjPath(b)
	sideBySide(b, []string{"among-1000", "alone"},
		func() *exec.Cmd {
			return exec.Command(nsjBin, "-a", c.Address, "-n", "nsj-bench-1000", many.ID, "true")
		},
		func() *exec.Cmd { return exec.Command(nsjBin, "-a", c.Address, "-n", "nsj-bench-1", one.ID, "true") })
}
