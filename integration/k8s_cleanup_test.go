package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// TestOneNodeClusterLeavesTheHostAsItWas starts a cluster of its own, runs
// a pod, stops it and looks for what it could have left: processes, mounts
// under its directories, cgroups, kernel tunables, kubelet's fixed
// directories.
func TestOneNodeClusterLeavesTheHostAsItWas(t *testing.T) {
	bin := cluster.Require(t)
	before, err := cluster.SaveHost()
	if err != nil {
		t.Fatal(err)
	}
	mounts := harness.ReadMounts(t, "/proc/self/mountinfo")
	c, err := cluster.New(bin, harness.BusyboxRootfs(t))
	if err != nil {
		t.Fatal(err)
	}
	c.RunPod(t, "default", "leftover", cluster.AllRunning)
	dirs := []string{c.Dir, c.CRI.Dir}
	pids := c.PIDs()
	if err := c.Stop(); err != nil {
		t.Fatalf("stop the cluster: %v", err)
	}

	under := func(line string) bool {
		return slices.ContainsFunc(dirs, func(d string) bool { return strings.Contains(line, " "+d) })
	}
	if d := mounts.Changes(t, under); d != "" {
		t.Errorf("mounts under %s are left: %s", dirs, d)
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s is left (%v)", d, err)
		}
	}
	for _, pid := range append(pids, harness.ProcessesMentioning(dirs...)...) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Errorf("process %d (%s) is left", pid, strings.TrimSpace(harness.ReadFileOr(fmt.Sprintf("/proc/%d/cmdline", pid))))
		}
	}
	for _, root := range harness.CgroupRoots() {
		if _, err := os.Stat(filepath.Join(root, c.CRI.CgroupParent)); !os.IsNotExist(err) {
			t.Errorf("kubelet's cgroup root %s is left in %s", c.CRI.CgroupParent, root)
		}
	}
	after, err := cluster.SaveHost()
	if err != nil {
		t.Fatal(err)
	}
	if d := harness.LineDiff(before.Lines(), after.Lines()); d != "" {
		t.Errorf("kernel tunables, iptables chains or kubelet's fixed directories changed:\n%s", d)
	}
}
