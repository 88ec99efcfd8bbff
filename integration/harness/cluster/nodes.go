package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// A cluster of several nodes (NewNodes) runs on one host as the one-node
// cluster does, but each node is a kubelet with a CRI containerd of its
// own (socket, root, state, CNI configuration, cgroup parent, all in
// Dir/nodes/NAME) in a network namespace of its own with its own IP
// (Network): kubelet refuses a loopback node IP, and two kubelets on one
// network would clash on their ports. The API server listens on the
// bridge's address, which every node reaches, and reaches each kubelet at
// its node's IP (its InternalIP); exec and attach go API server, kubelet,
// then the CRI stream server on 127.0.0.1 of the node's namespace. Node i
// (from 1) is nsj-node-I, and its pods' addresses are in 198.19.I.0/24,
// its spec.podCIDR.

// NewNodes starts a cluster of n nodes; on failure it stops what it
// started.
func NewNodes(bin, rootfs string, n int) (*Cluster, error) {
	if n < 2 {
		return nil, fmt.Errorf("a cluster of %d nodes: NewNodes makes 2 or more (New makes one)", n)
	}
	dir, err := os.MkdirTemp("/tmp", "nsj-k8s-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Bin: bin}
	c.controllers, c.agent = sync.OnceValue(c.startControllers), sync.OnceValue(c.startAgent)
	if err := c.setUpNodes(rootfs, n); err != nil {
		if serr := c.Stop(); serr != nil {
			err = fmt.Errorf("%w\nstopping it: %v", err, serr)
		}
		return nil, err
	}
	return c, nil
}

// NodesDir holds each node's containerd directory, NodesDir/NAME.
func (c *Cluster) NodesDir() string { return filepath.Join(c.Dir, "nodes") }

func (c *Cluster) setUpNodes(rootfs string, count int) error {
	var err error
	if c.net, err = newNetwork(count); err != nil {
		return err
	}
	if err := os.Mkdir(c.NodesDir(), 0o755); err != nil {
		return err
	}
	if err := c.startNodeCRIs(rootfs, count); err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	if err := c.startControlPlane(ports[0], ports[1], ports[2], c.net.HostIP()); err != nil {
		return err
	}
	for _, n := range c.Nodes { // each in its own namespace: the same ports
		if err := c.launchKubelet(n, 10250, 10248); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	for _, n := range c.Nodes { // they start meanwhile
		if err := c.waitReady(n); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		if err := c.setPodCIDR(n); err != nil {
			return err
		}
	}
	return c.Namespace("default")
}

// startNodeCRIs starts the count nodes' CRI containerds, at once.
func (c *Cluster) startNodeCRIs(rootfs string, count int) error {
	errs := make([]error, count)
	var wg sync.WaitGroup
	for i := range count {
		n := &Node{Name: fmt.Sprintf("nsj-node-%d", i+1), IP: c.net.NodeIP(i),
			PodCIDR: fmt.Sprintf("198.19.%d.0/24", i+1), Netns: c.net.NetnsPath(i)}
		c.Nodes = append(c.Nodes, n)
		cgroup := fmt.Sprintf("/nsj-test-%d-%s-%d", os.Getpid(), c.net.Bridge[3:], i+1)
		wg.Go(func() {
			cri, err := harness.NewNodeCRI(filepath.Join(c.NodesDir(), n.Name), cgroup, n.Netns, n.PodCIDR, rootfs)
			if err != nil {
				errs[i] = fmt.Errorf("node %s: %w", n.Name, err)
				return
			}
			n.CRI = cri
		})
	}
	wg.Wait()
	c.CRI = c.Nodes[0].CRI
	return errors.Join(errs...)
}

// setPodCIDR records node n's pod addresses in its spec.podCIDR, as the
// controller-manager's node IPAM would (kubectl get nodes shows them).
func (c *Cluster) setPodCIDR(n *Node) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	patch := fmt.Sprintf(`{"spec":{"podCIDR":%q,"podCIDRs":[%[1]q]}}`, n.PodCIDR)
	if _, err := c.Client.CoreV1().Nodes().Patch(ctx, n.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("set node %s's pod CIDR: %w", n.Name, err)
	}
	return nil
}

// Network is the host's network the cluster made (nil for one node).
func (c *Cluster) Network() *Network { return c.net }

// TwoNodes returns the cluster of two nodes shared by the tests of
// kubectl nsj across nodes (integration/k8s_nodes_*), starting it on
// first use; it is stopped after all tests (AtExit). It is a second
// cluster, apart from the one-node cluster of Shared, which the other
// tests keep for its speed.
func TwoNodes(t testing.TB) *Cluster {
	t.Helper()
	Require(t)
	harness.RequireBinaries(t, "nsenter")
	harness.BusyboxRootfs(t) // first, so that it is removed after the cluster stops
	c, err := twoNodes()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range c.Nodes {
				t.Logf("node %s: kubelet log ends:\n%s", n.Name, n.Kubelet.Tail(30))
			}
		}
	})
	return c
}

var twoNodes = harness.SharedBed("the two-node cluster", func() (*Cluster, error) {
	rootfs, err := harness.SharedRootfs()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	c, err := NewNodes(BinDir(), rootfs, 2)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "integration: two-node cluster up in %s\n", time.Since(start).Round(100*time.Millisecond))
	return c, nil
})
