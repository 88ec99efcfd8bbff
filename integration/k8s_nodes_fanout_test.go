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

func TestK8sNodesKubectlNsjExitsOneWithASummaryWhenAPodsCommandFails(t *testing.T) {
	c := cluster.TwoNodes(t)
	c.DeployAgent(t)
	user := c.User(t, "nsj-user", "nsj-users")
	ns, app := nodePods(t, c, map[string]int{"w1": 0, "w2": 1, "w3": 1})
	failIn := func(pod string) []string {
		return []string{"sh", "-c", "hostname; hostname >&2; [ $(hostname) != " + pod + " ]"}
	}

	// w3 fails, on node 2: exit 1, every pod's lines, node 2's summary.
	r := c.KubectlNsj(t, user, append([]string{"-n", ns, "-l", "app=" + app, "--"}, failIn("w3")...)...)
	wantOut := []string{ns + "/w1/app: w1", ns + "/w2/app: w2", ns + "/w3/app: w3"}
	if r.Code != 1 || !slices.Equal(harness.SortedLines(r.Stdout), wantOut) {
		t.Fatalf("w3 fails: exit %d, stdout %q (stderr %q); want 1 and %q", r.Code, r.Stdout, r.Stderr, wantOut)
	}
	wantErr := append(slices.Clone(wantOut), "nsj: node "+c.Nodes[1].Name+": 1 of 2 tasks failed: "+ns+"/w3/app (exit 1)")
	slices.Sort(wantErr)
	if got := harness.SortedLines(r.Stderr); !slices.Equal(got, wantErr) {
		t.Fatalf("w3 fails: stderr %q; want each pod's line and node 2's summary %q", got, wantErr)
	}

	// w1 fails, on node 1: the summary names node 1.
	r = c.KubectlNsj(t, user, append([]string{"-n", ns, "-l", "app=" + app, "--"}, failIn("w1")...)...)
	summary := "nsj: node " + c.Nodes[0].Name + ": 1 of 1 task failed: " + ns + "/w1/app (exit 1)"
	if r.Code != 1 || !slices.Contains(strings.Split(r.Stderr, "\n"), summary) || strings.Count(r.Stderr, "failed") != 1 {
		t.Fatalf("w1 fails: exit %d, stderr %q; want 1 and the one summary %q", r.Code, r.Stderr, summary)
	}

	// Every pod succeeds: 0, no summary.
	r = c.KubectlNsj(t, user, append([]string{"-n", ns, "-l", "app=" + app, "--"}, failIn("none")...)...)
	if r.Code != 0 || strings.Contains(r.Stderr, "failed") {
		t.Fatalf("nothing fails: exit %d, stderr %q; want 0 and no summary", r.Code, r.Stderr)
	}

	// Bad input: one line, 125, nothing run on any node.
	for _, bad := range [][]string{
		{"-n", ns, "-l", "app in (" + app, "--", "touch", "/tmp/ran"},
		{"-n", ns, "-l", "app<3", "--", "touch", "/tmp/ran"},
		{"-n", ns, "-l", "app=nothing", "--", "touch", "/tmp/ran"},
	} {
		r = c.KubectlNsj(t, user, bad...)
		if r.Code != 125 || strings.Count(r.Stderr, "\n") != 1 || !strings.HasPrefix(r.Stderr, "kubectl-nsj: ") || r.Stdout != "" {
			t.Errorf("kubectl nsj %q: exit %d, stdout %q, stderr %q; want 125 and one line", bad, r.Code, r.Stdout, r.Stderr)
		}
	}
	r = c.KubectlNsj(t, user, "-A", "-l", "app="+app, "--no-prefix", "--", "sh", "-c", "ls /tmp/ran 2>/dev/null || echo none")
	if got := harness.SortedLines(r.OK(t)); !slices.Equal(got, []string{"none", "none", "none"}) {
		t.Fatalf("after the bad command lines, /tmp/ran in the pods: %q; want it nowhere", got)
	}
}
