package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
	"github.com/nsj-dev/nsj/internal/capture/pcapng"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// appPID is the host PID of the app container's first process (sleep
// 100001) of pod ns/name, found by the container's ID in the host's
// cgroups, on whichever node the pod runs.
func appPID(t *testing.T, c *cluster.Cluster, ns, name string) uint32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := c.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil || len(p.Status.ContainerStatuses) == 0 {
		t.Fatalf("pod %s/%s: %v", ns, name, err)
	}
	_, id, _ := strings.Cut(p.Status.ContainerStatuses[0].ContainerID, "://")
	files, _ := filepath.Glob("/proc/[0-9]*/cgroup")
	for _, f := range files {
		dir := filepath.Dir(f)
		if strings.Contains(harness.ReadFileOr(f), "/"+id+"\n") && strings.TrimSpace(harness.ReadFileOr(dir+"/cmdline")) == "sleep 100001" {
			var pid uint32
			fmt.Sscanf(dir, "/proc/%d", &pid)
			return pid
		}
	}
	t.Fatalf("no process of pod %s/%s's container %s on the host", ns, name, id)
	return 0
}

func TestK8sNodesKubectlNsjCaptureMergesThePodsOfBothNodes(t *testing.T) {
	harness.RequireBinaries(t, "tcpdump", "tshark", "ip", "busybox", "nsenter")
	c := cluster.TwoNodes(t)
	c.DeployAgent(t)
	user := c.User(t, "nsj-user", "nsj-users")
	ns, app := nodePods(t, c, map[string]int{"w1": 0, "w2": 1}) // and db1, db2 labelled app=db
	w1, w2, db2 := appPID(t, c, ns, "w1"), appPID(t, c, ns, "w2"), appPID(t, c, ns, "db2")
	net := harness.NewPeerNetOn(t, "net1", w1, w2, db2) // one peer that pods of both nodes reach
	file := filepath.Join(t.TempDir(), "nodes.pcapng")

	cmd := c.KubectlNsjCmd(t, user, "capture", "-n", ns, "-l", "app="+app, "-i", "net1", "-w", file, "--", "icmp")
	cp := startCommand(t, cmd)
	for seen := map[string]bool{}; len(seen) < len(c.Nodes); { // each node's nsj capture says it has begun
		line := cp.waitFor(t, "nsj: node ")
		for _, n := range c.Nodes {
			if strings.HasPrefix(line, "nsj: node "+n.Name+": capturing on ") {
				seen[n.Name] = true
			}
		}
	}
	harness.Ping(t, w1, net.PeerIP, 2)  // w1 (node 1): 2 requests, 2 replies
	harness.Ping(t, w2, net.IPs[0], 1)  // w2 (node 2) and w1: 1 and 1 each
	net.PeerPing(t, net.IPs[1], 3)      // the peer and w2: 3 and 3
	harness.Ping(t, db2, net.PeerIP, 1) // db2 (node 2) is not picked: not captured
	untilWritten(t, file, 14)
	cmd.Process.Signal(syscall.SIGINT)
	stderr := cp.wait(t)

	counts, ordered := packetsByInterface(t, file)
	if want := map[string]int{ns + "/w1/app:net1": 6, ns + "/w2/app:net1": 8}; !equalCounts(counts, want) {
		t.Errorf("packets per interface: %v, want %v\n%s", counts, want, stderr)
	}
	if !ordered {
		t.Errorf("the packets' times go back in the merged file")
	}
	stats := statistics(t, file)
	for _, name := range []string{ns + "/w1/app:net1", ns + "/w2/app:net1"} {
		if st := stats[name]; st.Has&pcapng.HasDropped == 0 {
			t.Errorf("%s: statistics %+v, want a drop count", name, st)
		}
	}
	noTcpdumpLeft(t, w1, w2)
	if left := harness.ProcessesMentioning("--stop-at-eof"); len(left) > 0 {
		t.Errorf("nsj capture left running in an agent: %v", left)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
}
