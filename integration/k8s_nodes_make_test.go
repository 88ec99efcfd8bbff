package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// makeNodes runs make TARGET NODES=2 as makeTarget does.
func makeNodes(t *testing.T, dir, target string) string {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", target, "NODES=2", "NSJ_CLUSTER_DIR="+dir, "NSJ_BIN="+harness.NsjPath(t))
	cmd.Dir = harness.RepoPath()
	r := harness.RunUntil(t, cmd, 20*time.Minute, nil)
	if r.Code != 0 {
		t.Fatalf("make %s NODES=2 exited %d:\n%s%s", target, r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout + r.Stderr
}

func TestMakeClusterNodes2RunsKubectlNsjOnBothNodesAndClusterDownPutsTheHostBack(t *testing.T) {
	cluster.Require(t)
	harness.RequireBinaries(t, "make", "nsenter")
	state := filepath.Join(harness.OpenTempDir(t, "nsj-cluster-test-"), "state")
	before, netBefore := saveClusterHost(t), hostNetNames(t)
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(state, "state.json")); err == nil {
			makeNodes(t, state, "cluster-down")
		}
	})

	out := makeNodes(t, state, "cluster")
	exports := exportLines(out)
	if len(exports) != 3 || !strings.Contains(out, "2-node cluster up in ") {
		t.Fatalf("make cluster NODES=2 printed:\n%s\nwant the three exports and that two nodes are up", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "2-node cluster up in ") {
			t.Log(l) // the time to start it, agent deployed
		}
	}
	shell := func(script string) string {
		t.Helper()
		out, err := exec.Command("sh", "-c", strings.Join(exports, "\n")+"\n"+script).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
		return string(out)
	}
	nodes := shell(`kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}'`)
	if want := "nsj-node-1 198.19.1.0/24 True\nnsj-node-2 198.19.2.0/24 True\n"; nodes != want {
		t.Fatalf("kubectl get nodes: %q; want %q", nodes, want)
	}
	for i, node := range []string{"nsj-node-1", "nsj-node-2"} {
		pod := "try" + string(rune('1'+i))
		shell(`kubectl run ` + pod + ` -l app=try --image localhost/busybox:latest --image-pull-policy Never ` +
			`--overrides '{"spec":{"nodeName":"` + node + `"}}' -- sleep 100000 && kubectl wait --for=condition=Ready pod/` + pod + ` --timeout=120s`)
	}
	if got := shell("kubectl nsj -l app=try -- hostname"); got != "default/try1/try1: try1\ndefault/try2/try2: try2\n" &&
		got != "default/try2/try2: try2\ndefault/try1/try1: try1\n" {
		t.Fatalf("kubectl nsj -l app=try -- hostname: %q; want a line from try1 (node 1) and try2 (node 2)", got)
	}

	var s cluster.State
	if err := json.Unmarshal([]byte(harness.ReadFile(t, filepath.Join(state, "state.json"))), &s); err != nil {
		t.Fatal(err)
	}
	if out := makeNodes(t, state, "cluster-down"); !strings.Contains(out, "is down") {
		t.Fatalf("make cluster-down:\n%s", out)
	}
	before.unchanged(t, s.Dir)
	netAfter := hostNetNames(t)
	for _, name := range s.Net.Names() {
		if slices.Contains(netAfter, name) {
			t.Errorf("the cluster's %s is left on the host", name)
		}
	}
	for _, name := range []string{"dir /run/netns", "mount /run/netns"} {
		if slices.Contains(netBefore, name) != slices.Contains(netAfter, name) {
			t.Errorf("%s: before %v, after %v", name, slices.Contains(netBefore, name), slices.Contains(netAfter, name))
		}
	}
	for _, n := range s.Nodes {
		if n.CRI.Proc.Alive() {
			t.Errorf("the containerd of %s (pid %d) still runs", n.Name, n.CRI.Proc.PID)
		}
		for _, root := range harness.CgroupRoots() {
			if _, err := os.Stat(filepath.Join(root, n.CRI.CgroupParent)); !os.IsNotExist(err) {
				t.Errorf("the cgroup %s of %s is left in %s", n.CRI.CgroupParent, n.Name, root)
			}
		}
	}
	for _, d := range s.Daemons {
		if d.Proc.Alive() {
			t.Errorf("%s (pid %d) still runs", d.Name, d.Proc.PID)
		}
	}
	if left := harness.ProcessesMentioning(s.Dir); len(left) > 0 {
		t.Errorf("processes of the cluster are left: %v", left)
	}
	for _, d := range []string{state, s.Dir} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s is left (%v)", d, err)
		}
	}
}
