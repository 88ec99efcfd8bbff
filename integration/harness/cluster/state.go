package cluster

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/nsj-dev/nsj/integration/harness"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// State is what a later program needs to find a detached cluster again
// and stop it (nsj-cluster down): where it is, its daemons' processes,
// its containerd and the host state saved before kubelet started.
type State struct {
	Dir, Bin, Server, Kubeconfig string
	Daemons                      []DaemonState           // in start order
	CRI                          harness.ContainerdState // the first node's
	Nodes                        []NodeState
	Net                          *Network // a cluster of several nodes'
	Host                         *HostState
}

// NodeState is one node of State.
type NodeState struct {
	Name, IP, PodCIDR, Netns string
	CRI                      harness.ContainerdState
}

// DaemonState is one daemon of State.
type DaemonState struct {
	Name, Log string
	Proc      harness.Proc
}

// Saved is the state to record for Attach.
func (c *Cluster) Saved() State {
	s := State{Dir: c.Dir, Bin: c.Bin, Server: c.Server, Kubeconfig: c.Kubeconfig, CRI: c.CRI.Saved(), Net: c.net, Host: c.host}
	for _, n := range c.Nodes {
		s.Nodes = append(s.Nodes, NodeState{Name: n.Name, IP: n.IP, PodCIDR: n.PodCIDR, Netns: n.Netns, CRI: n.CRI.Saved()})
	}
	for _, d := range c.daemons {
		s.Daemons = append(s.Daemons, DaemonState{Name: d.Name, Log: d.Log, Proc: d.Proc})
	}
	return s
}

// Running reports whether every daemon of s still runs, or names the
// first that does not.
func (s State) Running() error {
	ds := slices.Clone(s.Daemons)
	for _, n := range s.Nodes {
		ds = append(ds, DaemonState{Name: "containerd of " + n.Name, Proc: n.CRI.Proc})
	}
	for _, d := range ds {
		if !d.Proc.Alive() {
			return fmt.Errorf("%s (pid %d) is not running", d.Name, d.Proc.PID)
		}
	}
	return nil
}

// Attach finds again the cluster that s describes, started by another
// program, so that Stop removes it as it would its own.
func Attach(s State) (*Cluster, error) {
	c := &Cluster{Dir: s.Dir, Bin: s.Bin, Server: s.Server, Kubeconfig: s.Kubeconfig, host: s.Host, net: s.Net,
		pki: &pki{dir: filepath.Join(s.Dir, "pki")}}
	c.controllers, c.agent = c.startControllers, c.startAgent
	var kubelets []*harness.Daemon
	for _, d := range s.Daemons {
		c.daemons = append(c.daemons, &harness.Daemon{Name: d.Name, Log: d.Log, Proc: d.Proc})
		if d.Name == "kubelet" {
			kubelets = append(kubelets, c.daemons[len(c.daemons)-1])
		}
	}
	for i, ns := range s.Nodes {
		cri, err := harness.AttachCRI(ns.CRI)
		if err != nil {
			return nil, err
		}
		n := &Node{Name: ns.Name, IP: ns.IP, PodCIDR: ns.PodCIDR, Netns: ns.Netns, CRI: cri}
		if i < len(kubelets) {
			n.Kubelet = kubelets[i]
		}
		c.Nodes = append(c.Nodes, n)
	}
	if len(c.Nodes) == 0 {
		return nil, fmt.Errorf("the state of the cluster in %s names no node", s.Dir)
	}
	c.CRI = c.Nodes[0].CRI
	var err error
	config, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	c.Client, err = kubernetes.NewForConfig(config)
	return c, err
}
