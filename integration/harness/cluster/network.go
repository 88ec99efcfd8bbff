package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Network is what a cluster of several nodes adds to the host's network,
// each part recorded by name to be removed: a bridge holding the API
// server's address (HostIP), and per node a network namespace (ip netns
// add) joined to the bridge by a veth pair whose node end is eth0, with
// the node's IP and a default route through the bridge. Addresses are in
// 198.18.0.0/15 (RFC 2544, for benchmarks: on no real network): the bridge
// is 198.18.K.1/24 with K free on the host, node i is 198.18.K.(10+i).
type Network struct {
	Bridge     string   // nsjXXXXXX
	Subnet     string   // 198.18.K
	Netns      []string // ip netns names, one per node: nsj-XXXXXX-I
	Veths      []string // the host ends: nsjXXXXXXvI
	NetnsDir   bool     // /run/netns did not exist: ip netns made it; removed last
	NetnsMount bool     // /run/netns was no mount point: ip netns made it one; unmounted last
}

// netnsDir is where ip netns keeps its namespaces.
const netnsDir = "/run/netns"

// newNetwork makes the bridge and n nodes' namespaces; on failure it
// removes what it made.
func newNetwork(n int) (*Network, error) {
	id := make([]byte, 3)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	k, err := freeSubnet()
	if err != nil {
		return nil, err
	}
	name := "nsj" + hex.EncodeToString(id)
	w := &Network{Bridge: name, Subnet: fmt.Sprintf("198.18.%d", k)}
	if _, err := os.Stat(netnsDir); os.IsNotExist(err) {
		w.NetnsDir = true
	}
	w.NetnsMount = !isMountPoint(netnsDir)
	if err := w.make(name, n); err != nil {
		if rerr := w.Remove(); rerr != nil {
			err = fmt.Errorf("%w\nremoving the network: %v", err, rerr)
		}
		return nil, err
	}
	return w, nil
}

func (w *Network) make(name string, n int) error {
	if err := ipRun("link", "add", w.Bridge, "type", "bridge"); err != nil {
		return err
	}
	if err := ipAll([][]string{
		{"addr", "add", w.HostIP() + "/24", "dev", w.Bridge},
		{"link", "set", w.Bridge, "up"},
	}); err != nil {
		return err
	}
	for i := range n {
		ns, veth := fmt.Sprintf("nsj-%s-%d", name[3:], i+1), fmt.Sprintf("%sv%d", name, i+1)
		if err := ipRun("netns", "add", ns); err != nil {
			return err
		}
		w.Netns = append(w.Netns, ns)
		if err := ipRun("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns); err != nil {
			return err
		}
		w.Veths = append(w.Veths, veth)
		if err := ipAll([][]string{
			{"link", "set", veth, "master", w.Bridge},
			{"link", "set", veth, "up"},
			{"-n", ns, "link", "set", "lo", "up"},
			{"-n", ns, "addr", "add", w.NodeIP(i) + "/24", "dev", "eth0"},
			{"-n", ns, "link", "set", "eth0", "up"},
			{"-n", ns, "route", "add", "default", "via", w.HostIP()},
		}); err != nil {
			return err
		}
	}
	return nil
}

// HostIP is the bridge's address on the host: the API server's.
func (w *Network) HostIP() string { return w.Subnet + ".1" }

// NodeIP is node i's address (from 0).
func (w *Network) NodeIP(i int) string { return fmt.Sprintf("%s.%d", w.Subnet, 11+i) }

// NetnsPath is node i's network namespace file.
func (w *Network) NetnsPath(i int) string { return filepath.Join(netnsDir, w.Netns[i]) }

// Remove deletes the veths, the namespaces (their eth0 and routes go with
// them) and the bridge, and unmounts and removes /run/netns as far as ip
// netns mounted and made it, if nothing else is in it now. Call it after
// every process in the namespaces ended.
func (w *Network) Remove() error {
	if w == nil {
		return nil
	}
	var errs []error
	for _, v := range w.Veths {
		errs = append(errs, ipGone("link", "del", v))
	}
	for _, ns := range w.Netns {
		errs = append(errs, ipGone("netns", "del", ns))
	}
	errs = append(errs, ipGone("link", "del", w.Bridge))
	if left, err := os.ReadDir(netnsDir); err == nil && len(left) == 0 { // else another's namespaces use it
		if w.NetnsMount && isMountPoint(netnsDir) {
			if err := unix.Unmount(netnsDir, unix.MNT_DETACH); err != nil {
				errs = append(errs, fmt.Errorf("unmount %s, which ip netns mounted: %w", netnsDir, err))
			}
		}
		if w.NetnsDir {
			if err := os.Remove(netnsDir); err != nil {
				errs = append(errs, fmt.Errorf("remove %s, which ip netns made: %w", netnsDir, err))
			}
		}
	}
	return errors.Join(errs...)
}

// isMountPoint reports whether dir is a mount point in this mount namespace.
func isMountPoint(dir string) bool {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}

// Names are the host's names of what w made, to look for after Remove.
func (w *Network) Names() []string {
	return append(append([]string{"link " + w.Bridge}, prefixed("link ", w.Veths)...), prefixed("netns ", w.Netns)...)
}

func prefixed(p string, names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, p+n)
	}
	return out
}

// freeSubnet is a K for which no address of the host is in 198.18.K.0/24.
func freeSubnet() (int, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return 0, err
	}
	used := map[int]bool{}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip := n.IP.To4(); ip != nil && ip[0] == 198 && ip[1] == 18 {
				used[int(ip[2])] = true
			}
		}
	}
	for k := 1; k < 255; k++ {
		if !used[k] {
			return k, nil
		}
	}
	return 0, errors.New("no free /24 in 198.18.0.0/16 for the cluster's nodes")
}

func ipRun(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func ipAll(cmds [][]string) error {
	for _, args := range cmds {
		if err := ipRun(args...); err != nil {
			return err
		}
	}
	return nil
}

// ipGone runs ip ARGS to delete something, which is no error if it is
// gone already (a veth goes with its peer's namespace).
func ipGone(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "Cannot find device") && !strings.Contains(string(out), "No such file") {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
