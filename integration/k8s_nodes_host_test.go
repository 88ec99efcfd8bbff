package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// hostNetNames are the host's links and ip netns namespaces, as
// "link NAME" and "netns NAME" (Network.Names' form), and whether
// /run/netns exists and is a mount point.
func hostNetNames(t *testing.T) []string {
	t.Helper()
	var names []string
	links, err := exec.Command("ip", "-o", "link", "show").Output()
	if err != nil {
		t.Fatalf("ip link show: %v", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(links)), "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			names = append(names, "link "+strings.TrimSuffix(strings.SplitN(f[1], "@", 2)[0], ":"))
		}
	}
	nss, _ := os.ReadDir("/run/netns")
	for _, ns := range nss {
		names = append(names, "netns "+ns.Name())
	}
	if _, err := os.Stat("/run/netns"); err == nil {
		names = append(names, "dir /run/netns")
	}
	if strings.Contains(harness.ReadFileOr("/proc/self/mountinfo"), " /run/netns ") {
		names = append(names, "mount /run/netns")
	}
	slices.Sort(names)
	return names
}

func TestK8sNodesClusterDownLeavesTheHostAsItWas(t *testing.T) {
	bin := cluster.Require(t)
	harness.RequireBinaries(t, "nsenter")
	before := saveClusterHost(t)
	netBefore := hostNetNames(t)
	c, err := cluster.NewNodes(bin, harness.BusyboxRootfs(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			c.Stop()
		}
	})
	c.DeployAgent(t) // on every node, with its hostPath directories
	for _, n := range c.Nodes {
		c.RunPod(t, "default", "on-"+n.Name, cluster.AllRunning, cluster.OnNode(n.Name))
	}
	made := c.Network().Names()
	netDuring := hostNetNames(t)
	for _, name := range made {
		if !slices.Contains(netDuring, name) {
			t.Fatalf("the cluster's %s is not on the host while it runs (%q)", name, netDuring)
		}
	}
	pids := c.PIDs()
	var cgroups []string
	for _, n := range c.Nodes {
		pids = append(pids, n.CRI.PID)
		cgroups = append(cgroups, n.CRI.CgroupParent)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("stop the cluster: %v", err)
	}
	stopped = true

	netAfter := hostNetNames(t)
	for _, name := range made {
		if slices.Contains(netAfter, name) {
			t.Errorf("the cluster's %s is left on the host", name)
		}
	}
	if d := harness.LineDiff(netBefore, netAfter); d != "" { // other beds' links come and go: only ours, and /run/netns
		for _, l := range strings.Split(d, "\n") {
			if strings.Contains(l, "/run/netns") || slices.ContainsFunc(made, func(n string) bool { return strings.HasSuffix(l, " "+n) }) {
				t.Errorf("the host's network changed: %s", l)
			}
		}
	}
	before.unchanged(t, c.Dir)
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("%s is left (%v)", c.Dir, err)
	}
	for _, pid := range append(pids, harness.ProcessesMentioning(c.Dir)...) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Errorf("process %d (%s) is left", pid, strings.TrimSpace(harness.ReadFileOr(fmt.Sprintf("/proc/%d/cmdline", pid))))
		}
	}
	for _, root := range harness.CgroupRoots() {
		for _, cg := range cgroups {
			if _, err := os.Stat(filepath.Join(root, cg)); !os.IsNotExist(err) {
				t.Errorf("a node's cgroup root %s is left in %s", cg, root)
			}
		}
	}
}
