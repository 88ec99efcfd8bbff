package integration

import (
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// kubectl nsj -l on a cluster of two nodes (cluster.TwoNodes): one exec
// per node through that node's agent, the pods' output merged.

// nodePods runs, in a new namespace, pods labelled app=LABEL (unique to
// the test) named after where they go: name -> node index; and one pod
// labelled app=db on every node. It returns the namespace and LABEL.
func nodePods(t *testing.T, c *cluster.Cluster, pods map[string]int) (ns, app string) {
	t.Helper()
	ns, app = harness.UniqueID("nodes"), harness.UniqueID("web")
	for name, i := range pods {
		c.RunPod(t, ns, name, cluster.AllRunning, withLabels(map[string]string{"app": app}), cluster.OnNode(c.Nodes[i].Name))
	}
	for i, n := range c.Nodes {
		c.RunPod(t, ns, "db"+string(rune('1'+i)), cluster.AllRunning, withLabels(map[string]string{"app": "db"}), cluster.OnNode(n.Name))
	}
	return ns, app
}

func TestK8sNodesKubectlNsjRunsOnTheMatchingPodsOfBothNodes(t *testing.T) {
	c := cluster.TwoNodes(t)
	c.DeployAgent(t)
	user := c.User(t, "nsj-user", "nsj-users")
	ns, app := nodePods(t, c, map[string]int{"w1": 0, "w2": 1, "w3": 1})

	// Each pod's hostname and eth0 address (the agent image's busybox
	// ip): the addresses are in the pod CIDR of the pod's node.
	r := c.KubectlNsj(t, user, "-n", ns, "-l", "app="+app, "--debug", "--", "sh", "-c", "echo $(hostname) $(busybox ip -o -4 addr show dev eth0)")
	out := r.OK(t)
	lines := harness.SortedLines(out)
	want := []struct{ pod, cidr string }{{"w1", "198.19.1."}, {"w2", "198.19.2."}, {"w3", "198.19.2."}}
	if len(lines) != len(want) {
		t.Fatalf("kubectl nsj -l app=%s: %q (stderr %q); want one line from each of w1 (node 1), w2 and w3 (node 2)", app, out, r.Stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], ns+"/"+w.pod+"/app: "+w.pod+" ") || !strings.Contains(lines[i], " eth0 inet "+w.cidr) {
			t.Errorf("line %q; want %s/%s/app: %s and an eth0 address in %s0/24 (stderr %q)", lines[i], ns, w.pod, w.pod, w.cidr, r.Stderr)
		}
	}
	for _, n := range c.Nodes { // --debug: one exec in each node's agent
		if !strings.Contains(r.Stderr, "kubectl-nsj: node "+n.Name+": running ") {
			t.Errorf("--debug said %q; want a run on node %s", r.Stderr, n.Name)
		}
	}

	// -A and --no-prefix: the same three pods, by name only.
	r = c.KubectlNsj(t, user, "-A", "-l", "app="+app, "--no-prefix", "--", "hostname")
	if got := harness.SortedLines(r.OK(t)); !slices.Equal(got, []string{"w1", "w2", "w3"}) {
		t.Fatalf("kubectl nsj -A -l app=%s --no-prefix: %q; want w1, w2, w3", app, got)
	}
}
