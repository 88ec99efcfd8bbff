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

// A person tries kubectl nsj on one machine: make cluster (twice: the
// second only prints the same lines), the printed exports pasted into a
// shell, kubectl get nodes, a pod applied and joined with kubectl nsj;
// then make cluster-down (twice: the second finds nothing) leaves the
// host's mounts, processes, iptables chains, tunables and cgroups as they
// were.
func TestMakeClusterIsTriedWithItsExportsAndClusterDownPutsTheHostBack(t *testing.T) {
	cluster.Require(t)
	harness.RequireBinaries(t, "make")
	state := filepath.Join(harness.OpenTempDir(t, "nsj-cluster-test-"), "state")
	before := saveClusterHost(t)
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(state, "state.json")); err == nil {
			makeTarget(t, state, "cluster-down")
		}
	})

	out := makeTarget(t, state, "cluster")
	exports := exportLines(out)
	if len(exports) != 3 || !strings.HasPrefix(exports[0], "export KUBECONFIG=") ||
		!strings.HasPrefix(exports[1], "export CONTAINERD_ADDRESS=") || !strings.HasPrefix(exports[2], "export PATH=") {
		t.Fatalf("make cluster printed no KUBECONFIG, CONTAINERD_ADDRESS and PATH exports:\n%s", out)
	}
	recorded := harness.ReadFile(t, filepath.Join(state, "state.json"))
	again := makeTarget(t, state, "cluster")
	if !slices.Equal(exportLines(again), exports) || !strings.Contains(again, "already up") {
		t.Fatalf("a second make cluster printed:\n%s\nwant the same exports, and that it is already up", again)
	}
	if harness.ReadFile(t, filepath.Join(state, "state.json")) != recorded {
		t.Errorf("a second make cluster changed the recorded state")
	}

	shell := func(stdin, script string) string {
		t.Helper()
		cmd := exec.Command("sh", "-c", strings.Join(exports, "\n")+"\n"+script)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
		return string(out)
	}
	if nodes := shell("", "kubectl get nodes --no-headers"); !strings.Contains(nodes, " Ready ") {
		t.Fatalf("kubectl get nodes: %q, want the node Ready", nodes)
	}
	shell("", tryPod+" && kubectl wait --for=condition=Ready pod/try --timeout=120s")
	if got := shell("", "kubectl nsj try -- hostname"); got != "try\n" {
		t.Fatalf("kubectl nsj try -- hostname: %q, want the pod's hostname", got)
	}

	var s cluster.State
	if err := json.Unmarshal([]byte(harness.ReadFile(t, filepath.Join(state, "state.json"))), &s); err != nil {
		t.Fatal(err)
	}
	if out := makeTarget(t, state, "cluster-down"); !strings.Contains(out, "is down") {
		t.Fatalf("make cluster-down:\n%s", out)
	}
	if out := makeTarget(t, state, "cluster-down"); !strings.Contains(out, "no cluster is up") {
		t.Fatalf("a second make cluster-down:\n%s\nwant that no cluster is up", out)
	}
	before.unchanged(t, s.Dir, s.CRI.Dir)
	for _, d := range append(s.Daemons, cluster.DaemonState{Name: "containerd", Proc: s.CRI.Proc}) {
		if d.Proc.Alive() {
			t.Errorf("%s (pid %d) still runs", d.Name, d.Proc.PID)
		}
	}
	if left := harness.ProcessesMentioning(s.Dir, s.CRI.Dir); len(left) > 0 {
		t.Errorf("processes of the cluster are left: %v", left)
	}
	for _, root := range harness.CgroupRoots() {
		if _, err := os.Stat(filepath.Join(root, s.CRI.CgroupParent)); !os.IsNotExist(err) {
			t.Errorf("the cluster's cgroup %s is left in %s", s.CRI.CgroupParent, root)
		}
	}
	for _, d := range []string{state, s.Dir, s.CRI.Dir} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s is left (%v)", d, err)
		}
	}
}

// tryPod is how README's "Try kubectl nsj on one machine" runs a pod.
const tryPod = `kubectl run try --image localhost/busybox:latest --image-pull-policy Never ` +
	`--overrides '{"spec":{"nodeName":"localhost"}}' -- sleep 100000`

// makeTarget runs make TARGET at the top of the repository with the
// cluster's state in dir, and returns its output.
func makeTarget(t *testing.T, dir, target string) string {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", target, "NSJ_CLUSTER_DIR="+dir, "NSJ_BIN="+harness.NsjPath(t))
	cmd.Dir = harness.RepoPath()
	r := harness.RunUntil(t, cmd, 20*time.Minute, nil) // the first builds bin/kubectl-nsj
	if r.Code != 0 {
		t.Fatalf("make %s exited %d:\n%s%s", target, r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout + r.Stderr
}

// exportLines are the export lines of make cluster's output.
func exportLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "export ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// clusterHost is what a cluster changes on the host while it runs.
type clusterHost struct {
	mounts  harness.HostMounts
	host    []string // tunables, iptables chains, kubelet's directories
	cgroups []string // kubelet's own top-level cgroups that exist already
}

func saveClusterHost(t *testing.T) clusterHost {
	t.Helper()
	h, err := cluster.SaveHost()
	if err != nil {
		t.Fatal(err)
	}
	return clusterHost{harness.SaveHostMounts(t), h.Lines(), kubeletCgroups()}
}

// unchanged compares the host with before; the mounts only at or under
// dirs (the cluster's) and kubelet's fixed directories, as other test runs
// may mount elsewhere on the machine meanwhile.
func (before clusterHost) unchanged(t *testing.T, dirs ...string) {
	t.Helper()
	before.mounts.UnchangedUnder(t, "the host's mount table changed", append(dirs, cluster.KubeletDirs()...)...)
	h, err := cluster.SaveHost()
	if err != nil {
		t.Fatal(err)
	}
	if d := harness.LineDiff(before.host, h.Lines()); d != "" {
		t.Errorf("kernel tunables, iptables chains or kubelet's directories changed:\n%s", d)
	}
	if d := harness.LineDiff(before.cgroups, kubeletCgroups()); d != "" {
		t.Errorf("kubelet's cgroups at the top of a hierarchy changed (its pods belong under the cluster's cgroup root):\n%s", d)
	}
}

// kubeletCgroups are the cgroups kubelet makes at the top of every
// hierarchy when it is not given a cgroup root (kubepods, kubepods.slice)
// that exist. The cluster's own cgroup root is checked by name after
// cluster-down; other cgroups on the machine belong to others (a test
// bed's containerd, another program's) and come and go meanwhile.
func kubeletCgroups() []string {
	var dirs []string
	for _, root := range harness.CgroupRoots() {
		for _, name := range []string{"kubepods", "kubepods.slice"} {
			if _, err := os.Stat(filepath.Join(root, name)); err == nil {
				dirs = append(dirs, filepath.Join(root, name))
			}
		}
	}
	return dirs
}
