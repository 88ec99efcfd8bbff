package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
)

// TestListNamespaceOver16MiB: a namespace whose container records exceed
// gRPC's 16 MiB message (300 containers with 69 KB specs, about 20 MiB) is
// listed, through Containers/ListStream, beside the other namespaces
// (--list -A). Before, its List call failed ("trying to send message
// larger than max") and took every namespace's listing down with it.
func TestListNamespaceOver16MiB(t *testing.T) {
	c := harness.SharedContainerd(t)
	big := oci.WithAnnotations(map[string]string{"nsj.test/big": strings.Repeat("x", 69<<10)})
	for i := range 300 {
		c.RunTask(t, "nsj-big", fmt.Sprintf("big-%03d", i), harness.WithoutTask(), harness.WithSpecOpts(big))
	}
	c.RunTask(t, "nsj-big-beside", "small")
	out := harness.NsjAt(t, c, "--list", "-A")
	rows := map[string]int{}
	for _, line := range strings.Split(out.OK(t), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			rows[f[0]]++
		}
	}
	if rows["nsj-big"] != 300 || rows["nsj-big-beside"] != 1 || out.Stderr != "" {
		t.Errorf("listed %d of nsj-big's 300 and %d of nsj-big-beside's 1; stderr %q", rows["nsj-big"], rows["nsj-big-beside"], out.Stderr)
	}
}
