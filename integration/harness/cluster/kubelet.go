package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NodeName is the node's name. kubelet refuses a loopback node IP, so
// the node is named localhost and the API server reaches kubelet by that
// name (--kubelet-preferred-address-types=Hostname,...).
const NodeName = "localhost"

// kubeletConfig is kubelet's configuration: cgroupfs on this cgroup v1
// machine (failCgroupV1: false), every directory and port its own, pod
// cgroups under root (the CRI containerd's cgroup parent), no image GC
// and eviction only on a nearly full disk. Its API takes client
// certificates of the cluster's CA only.
func (c *Cluster) kubeletConfig(port, healthz int, root string) string {
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
failSwapOn: false
cgroupDriver: cgroupfs
cgroupRoot: %q
containerRuntimeEndpoint: unix://%s
address: 127.0.0.1
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
`, root, c.CRI.Address, port, healthz, c.pki.path("kubelet-serving.crt"), c.pki.path("kubelet-serving.key"),
		c.pki.path("ca.crt"), filepath.Join(c.Dir, "pod-logs"), filepath.Join(c.Dir, "volume-plugins"))
}

// startKubelet starts kubelet on the CRI containerd and waits until its
// node is Ready.
func (c *Cluster) startKubelet(port, healthz int) error {
	p := c.pki
	if err := p.server("kubelet-serving", NodeName); err != nil {
		return err
	}
	if err := p.client("kubelet", "system:node:"+NodeName, "system:nodes"); err != nil {
		return err
	}
	kubeconfig, err := p.kubeconfig("kubelet", c.Server)
	if err != nil {
		return err
	}
	if err := makeCgroupRoot(c.CRI.CgroupParent); err != nil {
		return err
	}
	config := filepath.Join(c.Dir, "kubelet.yaml")
	if err := os.WriteFile(config, []byte(c.kubeletConfig(port, healthz, c.CRI.CgroupParent)), 0o600); err != nil {
		return err
	}
	d, err := c.start("kubelet", "--config", config, "--kubeconfig", kubeconfig,
		"--root-dir", filepath.Join(c.Dir, "kubelet"), "--cert-dir", filepath.Join(c.Dir, "kubelet-pki"),
		"--hostname-override", NodeName, "--v", "1")
	if err != nil {
		return err
	}
	return d.WaitFor(90*time.Second, c.nodeReady)
}

func (c *Cluster) nodeReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.Client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
			return nil
		}
	}
	return fmt.Errorf("node %s is not Ready: %v", NodeName, n.Status.Conditions)
}
