package integration

import (
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// BenchmarkAll: nsj --all -- true over 12 tasks against shell loops that
// give each task the same view (private mounts, its namespaces, a fresh
// /proc), one task after the other:
//
//   - loop: one ctr task ls for every PID, then unshare + nsenter per task;
//   - loop-ctr-each: for id in $(ctr task ls -q), ctr for that task's PID,
//     then unshare + nsenter, as the loop is usually written (issue 12's).
//
// It prints the median of each, the ratio of nsj to each loop, and the time
// per task. Then, over 25, 50 and 100 tasks, the CPU time of the whole nsj
// --all run (user + system, its joins and commands included: they are
// waited for) per task, which stays flat when the cost grows linearly.
// The 100 containers are made once, in steps, and removed at the end.
func BenchmarkAll(b *testing.B) {
	c := harness.SharedContainerd(b)
	const ns = "nsj-bench-all"
	nsjBin := harness.NsjPath(b)
	made := 0
	grow := func(n int) {
		for ; made < n; made++ {
			c.RunTask(b, ns, fmt.Sprintf("fan-%03d", made))
		}
	}
	nsjAll := func() *exec.Cmd { return exec.Command(nsjBin, "-a", c.Address, "-n", ns, "--all", "--", "true") }
	grow(12)
	b.Run("tasks=12", func(b *testing.B) {
		sideBySidePerTask(b, 12, []string{"nsj", "loop", "loop-ctr-each"}, nsjAll,
			func() *exec.Cmd { return exec.Command("sh", "-c", loopOneCtr, "sh", c.Address, ns) },
			func() *exec.Cmd { return exec.Command("sh", "-c", loopCtrEach, "sh", c.Address, ns) })
	})
	for _, n := range []int{25, 50, 100} {
		grow(n)
		b.Run(fmt.Sprintf("cpu/tasks=%d", n), func(b *testing.B) { cpuPerTask(b, n, nsjAll) })
	}
}

// cpuPerTask runs the command b.N times and reports the median CPU time
// of a run (user + system of the process and of every process it waited
// for, as wait4 counts them) and of the wall time, each per task.
func cpuPerTask(b *testing.B, n int, mk func() *exec.Cmd) {
	b.Helper()
	var cpu, wall []time.Duration
	for i := 0; i < b.N; i++ {
		c := mk()
		start := time.Now()
		if out, err := c.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		wall = append(wall, time.Since(start))
		cpu = append(cpu, c.ProcessState.UserTime()+c.ProcessState.SystemTime())
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(harness.Median(cpu).Microseconds())/1000, "cpu-median-ms")
	b.ReportMetric(float64(harness.Median(cpu).Microseconds())/1000/float64(n), "cpu-per-task-ms")
	b.ReportMetric(float64(harness.Median(wall).Microseconds())/1000/float64(n), "wall-per-task-ms")
}

const joinTrue = `unshare -fm --propagation private nsenter -t "$PID" -n -p -u -i sh -c 'mount -t proc proc /proc; exec true' || exit 1`

// The shell loops; $1 is the containerd socket, $2 the namespace.
const (
	loopOneCtr = `for PID in $(ctr -a "$1" -n "$2" task ls | awk 'NR > 1 && $3 == "RUNNING" {print $2}'); do
		` + joinTrue + `
	done`
	loopCtrEach = `for id in $(ctr -a "$1" -n "$2" task ls -q); do
		PID=$(ctr -a "$1" -n "$2" task ls | awk -v id="$id" '$1 == id {print $2}')
		` + joinTrue + `
	done`
)

// sideBySidePerTask is sideBySide for commands that go through n tasks: it
// also reports each command's median time per task.
func sideBySidePerTask(b *testing.B, n int, names []string, cmds ...func() *exec.Cmd) {
	b.Helper()
	compare(b, n, names, cmds...)
}
