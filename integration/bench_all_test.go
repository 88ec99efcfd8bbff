package integration

import (
	"fmt"
	"os/exec"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// BenchmarkAll: nsj --all -- true over 10, 50 and 100 tasks against shell
// loops that give each task the same view (private mounts, its namespaces,
// a fresh /proc), one task after the other:
//
//   - loop: one ctr task ls for every PID, then unshare + nsenter per task;
//   - loop-ctr-each: for id in $(ctr task ls -q), ctr for that task's PID,
//     then unshare + nsenter, as the loop is usually written.
//
// It prints the median of each, the ratio of nsj to each loop, and the time
// per task, which stays flat as the tasks grow when the time grows linearly.
// The 100 containers are made once, in steps, and removed at the end.
func BenchmarkAll(b *testing.B) {
	c := harness.SharedContainerd(b)
	const ns = "nsj-bench-all"
	nsjBin := harness.NsjPath(b)
	made := 0
	for _, n := range []int{10, 50, 100} {
		for ; made < n; made++ {
			c.RunTask(b, ns, fmt.Sprintf("fan-%03d", made))
		}
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			sideBySidePerTask(b, n, []string{"nsj", "loop", "loop-ctr-each"},
				func() *exec.Cmd { return exec.Command(nsjBin, "-a", c.Address, "-n", ns, "--all", "--", "true") },
				func() *exec.Cmd { return exec.Command("sh", "-c", loopOneCtr, "sh", c.Address, ns) },
				func() *exec.Cmd { return exec.Command("sh", "-c", loopCtrEach, "sh", c.Address, ns) })
		})
	}
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
