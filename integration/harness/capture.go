package harness

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// PeerNet is a network for capture tests: a bridge in a network namespace
// of its own (the peer, at PeerIP), and a veth from it into each task's
// network namespace, named eth0 there (NewPeerNetOn: another name), at
// IPs[i].
type PeerNet struct {
	Netns  string // ip netns name of the peer
	PeerIP string
	IPs    []string
}

// NewPeerNet wires the network namespaces of the processes pids to a new
// peer; the test's cleanup deletes the peer, and with it the veths.
func NewPeerNet(t testing.TB, pids ...uint32) *PeerNet {
	t.Helper()
	return NewPeerNetOn(t, "eth0", pids...)
}

// NewPeerNetOn is NewPeerNet with the veths named ifname in the tasks.
func NewPeerNetOn(t testing.TB, ifname string, pids ...uint32) *PeerNet {
	t.Helper()
	id := time.Now().UnixNano() % 1e6
	n := &PeerNet{Netns: fmt.Sprintf("nsjcap%d", id), PeerIP: "10.231.0.1"}
	ip(t, "netns", "add", n.Netns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.Netns).Run() })
	in := func(args ...string) { ip(t, append([]string{"-n", n.Netns}, args...)...) }
	in("link", "add", "br0", "type", "bridge")
	in("addr", "add", n.PeerIP+"/24", "dev", "br0")
	in("link", "set", "br0", "up")
	in("link", "set", "lo", "up")
	for i, pid := range pids {
		host := fmt.Sprintf("vc%d-%d", id, i)
		addr := fmt.Sprintf("10.231.0.%d", 10+i)
		ip(t, "link", "add", host, "type", "veth", "peer", "name", ifname, "netns", fmt.Sprint(pid))
		ip(t, "link", "set", host, "netns", n.Netns)
		in("link", "set", host, "master", "br0", "up")
		inTask(t, pid, "addr", "add", addr+"/24", "dev", ifname)
		inTask(t, pid, "link", "set", ifname, "up")
		n.IPs = append(n.IPs, addr)
	}
	return n
}

// inTask runs ip in the network namespace of pid.
func inTask(t testing.TB, pid uint32, args ...string) {
	t.Helper()
	if out, err := exec.Command("nsenter", append([]string{"--net=" + nsPath(pid), "ip"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s in pid %d's network namespace: %v\n%s", strings.Join(args, " "), pid, err, out)
	}
}

// nsPath is the network namespace of pid, as ip -n takes a path.
func nsPath(pid uint32) string { return fmt.Sprintf("/proc/%d/ns/net", pid) }

func ip(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Ping sends count pings from pid's network namespace to addr, and fails
// the test unless every one is answered.
func Ping(t testing.TB, pid uint32, addr string, count int) {
	t.Helper()
	out, err := exec.Command("nsenter", "-t", fmt.Sprint(pid), "-n", "busybox", "ping", "-c", fmt.Sprint(count), "-i", "0.2", "-W", "2", addr).CombinedOutput()
	if err != nil {
		t.Fatalf("ping -c %d %s from pid %d: %v\n%s", count, addr, pid, err, out)
	}
}

// PeerPing sends count pings from the peer to addr.
func (n *PeerNet) PeerPing(t testing.TB, addr string, count int) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", n.Netns, "busybox", "ping", "-c", fmt.Sprint(count), "-i", "0.2", "-W", "2", addr).CombinedOutput()
	if err != nil {
		t.Fatalf("ping -c %d %s from the peer: %v\n%s", count, addr, err, out)
	}
}

// TcpdumpsIn lists the tcpdump processes in the network namespace of pid.
func TcpdumpsIn(pid uint32) []int {
	want, err := os.Stat(nsPath(pid))
	if err != nil {
		return nil
	}
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var p int
		if _, err := fmt.Sscan(e.Name(), &p); err != nil {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		st, err := os.Stat(fmt.Sprintf("/proc/%d/ns/net", p))
		if strings.TrimSpace(string(comm)) == "tcpdump" && err == nil && os.SameFile(st, want) {
			pids = append(pids, p)
		}
	}
	return pids
}
