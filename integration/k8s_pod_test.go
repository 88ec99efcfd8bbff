package integration

import (
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// nsjNode runs nsj on the node against the cluster's containerd.
func nsjNode(t *testing.T, c *cluster.Cluster, args ...string) harness.Result {
	t.Helper()
	return nsjPod(t, c.CRI, args...)
}

// mustContain fails the test unless s holds every one of want.
func mustContain(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s %q does not say %q", what, s, w)
		}
	}
}
