package integration

import (
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// nsjNode runs nsj on the node against the cluster's containerd.
func nsjNode(t *testing.T, c *cluster.Cluster, args ...string) harness.Result {
	t.Helper()
	return harness.NsjPod(t, c.CRI, args...)
}
