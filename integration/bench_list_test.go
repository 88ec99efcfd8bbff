package integration

import (
	"fmt"
	"os/exec"
	"testing"

	client "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
)

// BenchmarkList1000: nsj --list of a namespace of 1,000 containers (one
// with a running task, 999 with containerd's default spec and no task)
// against what gives the same rows with ctr: ctr containers ls, then ctr
// tasks ls. nsj's goal is a ratio of at most 1.0 (issue 20).
func BenchmarkList1000(b *testing.B) {
	c := harness.SharedContainerd(b)
	const ns = "nsj-bench-list"
	c.RunTask(b, ns, "running")
	ctx, cancel := harness.TaskContext(ns)
	defer cancel()
	for i := range 999 {
		id := fmt.Sprintf("idle-%04d", i)
		if _, err := c.Client.NewContainer(ctx, id, client.WithNewSpec(oci.WithProcessArgs("true"))); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			ctx, cancel := harness.TaskContext(ns)
			defer cancel()
			c.Client.ContainerService().Delete(ctx, id)
		})
	}
	nsjBin := harness.NsjPath(b)
	sideBySide(b, []string{"nsj-list", "ctr-c-ls+t-ls"},
		func() *exec.Cmd { return exec.Command(nsjBin, "-a", c.Address, "-n", ns, "--list") },
		func() *exec.Cmd {
			return exec.Command("sh", "-c", `ctr -a "$1" -n "$2" containers ls >/dev/null && ctr -a "$1" -n "$2" tasks ls >/dev/null`, "sh", c.Address, ns)
		})
}
