package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/nsj-dev/nsj/integration/harness"
)

// kubelet changes the host in four places outside its root directory; the
// bed puts each back:
//   - kernel tunables it sets when protectKernelDefaults is false (the
//     default; true makes it refuse to start where they differ): saved
//     before it starts, written back after it stops;
//   - /var/lib/kubelet/device-plugins, a path compiled into kubelet, and
//     the hostPath directories of the agent's DaemonSet (type
//     DirectoryOrCreate): removed when the bed made them (the latter only
//     if empty: another containerd of the tests may use /run/containerd);
//   - iptables chains (iptables.go): the new KUBE-* chains are
//     removed;
//   - its pod cgroups: kept under the cgroup root of the bed's own (the
//     CRI containerd's CgroupParent), which the containerd's Stop removes.
var kubeletSysctls = []string{
	"vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops",
	"kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes",
}

const kubeletDevicePlugins = "/var/lib/kubelet/device-plugins"

// kubeletMadeDirs are the directories outside its root that kubelet may
// make, children before parents; the first is removed with its files.
var kubeletMadeDirs = []string{kubeletDevicePlugins, "/var/lib/kubelet",
	"/run/k3s/containerd", "/run/k3s", "/run/netns", "/run/containerd"}

// KubeletDirs are the directories outside its root that kubelet may
// make or mount on.
func KubeletDirs() []string { return slices.Clone(kubeletMadeDirs) }

// HostState is what the bed must put back after kubelet.
type HostState struct {
	Sysctls  map[string]string
	Chains   map[string]map[string]bool // iptablesChains
	NewDirs  []string                   // made by kubelet, deepest first
	restored bool
}

// SaveHost records the tunables and which of kubelet's fixed directories
// do not exist yet.
func SaveHost() (*HostState, error) {
	h := &HostState{Sysctls: map[string]string{}, Chains: iptablesChains()}
	for _, k := range kubeletSysctls {
		b, err := os.ReadFile(filepath.Join("/proc/sys", k))
		if err != nil {
			return nil, fmt.Errorf("read the kernel tunable %s: %w", k, err)
		}
		h.Sysctls[k] = strings.TrimSpace(string(b))
	}
	for _, d := range kubeletMadeDirs {
		if _, err := os.Stat(d); os.IsNotExist(err) {
			h.NewDirs = append(h.NewDirs, d)
		}
	}
	return h, nil
}

// Restore writes back the tunables kubelet changed and removes the
// directories it made. Call it after kubelet has stopped.
func (h *HostState) Restore() error {
	if h == nil || h.restored {
		return nil
	}
	h.restored = true
	errs := []error{removeNewKubeChains(h.Chains)}
	for k, v := range h.Sysctls {
		p := filepath.Join("/proc/sys", k)
		if b, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(b)) == v {
			continue
		}
		if err := os.WriteFile(p, []byte(v), 0); err != nil {
			errs = append(errs, fmt.Errorf("restore the kernel tunable %s=%s: %w", k, v, err))
		}
	}
	for _, d := range h.NewDirs {
		if d == kubeletDevicePlugins {
			if err := os.RemoveAll(d); err != nil { // kubelet's socket and checkpoint
				errs = append(errs, fmt.Errorf("remove %s, which kubelet made: %w", d, err))
			}
			continue
		}
		os.Remove(d) // only if empty
	}
	return errors.Join(errs...)
}

// makeCgroupRoot creates cgroup dir in every hierarchy: kubelet refuses a
// cgroup root that does not exist, and makes its kubepods tree below it.
func makeCgroupRoot(dir string) error {
	for _, root := range harness.CgroupRoots() {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			return fmt.Errorf("make kubelet's cgroup root: %w", err)
		}
	}
	return nil
}

// Lines is the state as sorted lines ("sysctl K=V", "iptables TABLE
// CHAIN", "absent DIR"), to compare two states with harness.LineDiff.
func (h *HostState) Lines() []string {
	var lines []string
	for k, v := range h.Sysctls {
		lines = append(lines, "sysctl "+k+"="+v)
	}
	for table, chains := range h.Chains {
		for chain := range chains {
			lines = append(lines, "iptables "+table+" "+chain)
		}
	}
	for _, d := range h.NewDirs {
		lines = append(lines, "absent "+d)
	}
	sort.Strings(lines)
	return lines
}
