package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NodeName is the one-node cluster's node. kubelet refuses a loopback
// node IP, so the node is named localhost and the API server reaches
// kubelet by that name (--kubelet-preferred-address-types=Hostname,...).
// A cluster of several nodes (NewNodes) names them nsj-node-1, nsj-node-2...
// and the API server reaches each at its IP.
const NodeName = "localhost"

// Node is one kubelet of the cluster and the CRI containerd it drives.
type Node struct {
	Name    string
	IP      string // its kubelet's address: 127.0.0.1 on the one-node cluster
	PodCIDR string // its pods' addresses; "": cni-eth0's default (one node)
	Netns   string // the network namespace file it runs in; "": the host's
	CRI     *harness.CRI
	Kubelet *harness.Daemon
}

// file is name in the cluster's directory, for node n: the one-node
// cluster's names are kept, a node of several has its own (name-NODE).
func (c *Cluster) file(n *Node, name string) string {
	if n.Netns != "" {
		name += "-" + n.Name
	}
	return filepath.Join(c.Dir, name)
}

// kubeletConfig is kubelet's configuration: cgroupfs on this cgroup v1
// machine (failCgroupV1: false), every directory and port its own, pod
// cgroups under root (the CRI containerd's cgroup parent), no image GC
// and eviction only on a nearly full disk. Its API takes client
// certificates of the cluster's CA only.
func (c *Cluster) kubeletConfig(n *Node, port, healthz int, certs string) string {
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
failSwapOn: false
cgroupDriver: cgroupfs
cgroupRoot: %q
containerRuntimeEndpoint: unix://%s
address: %s
port: %d
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: %d
tlsCertFile: %q
tlsPrivateKeyFile: %q
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: %q}
authorization: {mode: AlwaysAllow}
podLogsDir: %q
volumePluginDir: %q
resolvConf: /etc/resolv.conf
registerNode: true
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "50Mi", nodefs.available: "1%%", imagefs.available: "1%%"}
`, n.CRI.CgroupParent, n.CRI.Address, n.IP, port, healthz, c.pki.path(certs+".crt"), c.pki.path(certs+".key"),
		c.pki.path("ca.crt"), c.file(n, "pod-logs"), c.file(n, "volume-plugins"))
}

// startKubelet starts node n's kubelet and waits until the node is Ready.
func (c *Cluster) startKubelet(n *Node, port, healthz int) error {
	if err := c.launchKubelet(n, port, healthz); err != nil {
		return err
	}
	return c.waitReady(n)
}

// waitReady waits until node n is Ready.
func (c *Cluster) waitReady(n *Node) error {
	return n.Kubelet.WaitFor(90*time.Second, func() error { return c.nodeReady(n.Name) })
}

// launchKubelet starts node n's kubelet (in its network namespace, if it
// has one) on its CRI containerd.
func (c *Cluster) launchKubelet(n *Node, port, healthz int) error {
	p := c.pki
	serving, client := "kubelet-serving", "kubelet"
	if n.Netns != "" {
		serving, client = serving+"-"+n.Name, client+"-"+n.Name
	}
	if err := p.server(serving, n.Name, n.IP); err != nil {
		return err
	}
	if err := p.client(client, "system:node:"+n.Name, "system:nodes"); err != nil {
		return err
	}
	kubeconfig, err := p.kubeconfig(client, c.Server)
	if err != nil {
		return err
	}
	if err := makeCgroupRoot(n.CRI.CgroupParent); err != nil {
		return err
	}
	config := c.file(n, "kubelet") + ".yaml"
	if err := os.WriteFile(config, []byte(c.kubeletConfig(n, port, healthz, serving)), 0o600); err != nil {
		return err
	}
	args := []string{"--config", config, "--kubeconfig", kubeconfig,
		"--root-dir", c.file(n, "kubelet"), "--cert-dir", c.file(n, "kubelet-pki"),
		"--hostname-override", n.Name, "--v", "1"}
	if n.Netns != "" {
		args = append(args, "--node-ip", n.IP)
	}
	n.Kubelet, err = c.startIn(n.Netns, "kubelet", c.file(n, "kubelet")+".log", args...)
	return err
}

func (c *Cluster) nodeReady(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
			return nil
		}
	}
	return fmt.Errorf("node %s is not Ready: %v", name, n.Status.Conditions)
}
