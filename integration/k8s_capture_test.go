package integration

import (
	"encoding/json"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
	"github.com/nsj-dev/nsj/internal/capture/pcapng"
)

// kubectl nsj capture on kubelet-made pods: the pods a selector picks,
// captured on their node through its agent, merged by the plugin.

// podPID is the PID of the app container of pod ns/name, as nsj --inspect
// on the node says.
func podPID(t *testing.T, c *cluster.Cluster, ns, name string) uint32 {
	t.Helper()
	out := nsjNode(t, c, "--inspect", "--pod-namespace", ns, "pod/"+name).OK(t)
	var tk struct{ PID uint32 }
	if err := json.Unmarshal([]byte(out), &tk); err != nil || tk.PID == 0 {
		t.Fatalf("nsj --inspect pod/%s: %q: %v", name, out, err)
	}
	return tk.PID
}

func TestKubectlNsjCaptureMergesThePodsASelectorPicks(t *testing.T) {
	harness.RequireBinaries(t, "tcpdump", "tshark", "ip", "busybox", "nsenter")
	c := cluster.Shared(t)
	c.DeployAgent(t)
	user := c.User(t, "nsj-user", "nsj-users")
	ns, app := fanOutPods(t, c) // w1, w2, w3 labelled app=APP; db app=db
	w1, w2, db := podPID(t, c, ns, "w1"), podPID(t, c, ns, "w2"), podPID(t, c, ns, "db")
	net := harness.NewPeerNetOn(t, "net1", w1, w2, db) // eth0 is the test CNI's, with no peer
	file := filepath.Join(t.TempDir(), "pods.pcapng")

	cmd := c.KubectlNsjCmd(t, user, "capture", "-n", ns, "-l", "app="+app, "-i", "net1", "-w", file, "--", "icmp")
	cp := startCommand(t, cmd)
	cp.waitFor(t, "nsj: capturing on ")
	harness.Ping(t, w1, net.PeerIP, 2) // w1: 2 requests, 2 replies
	harness.Ping(t, w2, net.IPs[0], 1) // w2 and w1: 1 and 1 each
	harness.Ping(t, db, net.PeerIP, 1) // not picked: not captured
	untilWritten(t, file, 8)
	cmd.Process.Signal(syscall.SIGINT)
	stderr := cp.wait(t)

	counts, ordered := packetsByInterface(t, file)
	if want := map[string]int{ns + "/w1/app:net1": 6, ns + "/w2/app:net1": 2}; !equalCounts(counts, want) {
		t.Errorf("packets per interface: %v, want %v\n%s", counts, want, stderr)
	}
	if !ordered {
		t.Errorf("the packets' times go back")
	}
	stats := statistics(t, file)
	for _, name := range []string{ns + "/w1/app:net1", ns + "/w2/app:net1"} {
		if st := stats[name]; st.Has&pcapng.HasDropped == 0 {
			t.Errorf("%s: statistics %+v, want a drop count", name, st)
		}
	}
	noTcpdumpLeft(t, w1, w2)
}
