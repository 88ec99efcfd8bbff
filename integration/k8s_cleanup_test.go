package integration

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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

	mounts := readFile(t, "/proc/self/mountinfo")
	for _, d := range dirs {
		if strings.Contains(mounts, " "+d) {
			t.Errorf("mounts under %s are left", d)
		}
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s is left (%v)", d, err)
		}
	}
	for _, pid := range append(pids, processesMentioning(dirs...)...) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Errorf("process %d (%s) is left", pid, strings.TrimSpace(readFileOr(fmt.Sprintf("/proc/%d/cmdline", pid))))
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
	if fmt.Sprint(after.Sysctls) != fmt.Sprint(before.Sysctls) {
		t.Errorf("kernel tunables: %v, were %v", after.Sysctls, before.Sysctls)
	}
	if fmt.Sprint(after.Chains) != fmt.Sprint(before.Chains) {
		t.Errorf("iptables chains: %v, were %v", after.Chains, before.Chains)
	}
	if fmt.Sprint(after.NewDirs) != fmt.Sprint(before.NewDirs) {
		t.Errorf("of kubelet's fixed directories, missing now %v, before %v", after.NewDirs, before.NewDirs)
	}
}

// processesMentioning lists processes whose command line names one of dirs.
func processesMentioning(dirs ...string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		for _, d := range dirs {
			if bytes.Contains(cmdline, []byte(d)) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
