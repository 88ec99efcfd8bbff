package cluster

import (
	"fmt"
	"path/filepath"

	"github.com/nsj-dev/nsj/integration/harness"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// State is what a later program needs to find a detached cluster again
// and stop it (nsj-cluster down): where it is, its daemons' processes,
// its containerd and the host state saved before kubelet started.
type State struct {
	Dir, Bin, Server, Kubeconfig string
	Daemons                      []DaemonState // in start order
	CRI                          harness.ContainerdState
	Host                         *HostState
}

// DaemonState is one daemon of State.
type DaemonState struct {
	Name, Log string
	Proc      harness.Proc
}

// Saved is the state to record for Attach.
func (c *Cluster) Saved() State {
	s := State{Dir: c.Dir, Bin: c.Bin, Server: c.Server, Kubeconfig: c.Kubeconfig, CRI: c.CRI.Saved(), Host: c.host}
	for _, d := range c.daemons {
		s.Daemons = append(s.Daemons, DaemonState{Name: d.Name, Log: d.Log, Proc: d.Proc})
	}
	return s
}

// Running reports whether every daemon of s still runs, or names the
// first that does not.
func (s State) Running() error {
	for _, d := range append(s.Daemons, DaemonState{Name: "containerd", Proc: s.CRI.Proc}) {
		if !d.Proc.Alive() {
			return fmt.Errorf("%s (pid %d) is not running", d.Name, d.Proc.PID)
		}
	}
	return nil
}

// Attach finds again the cluster that s describes, started by another
// program, so that Stop removes it as it would its own.
func Attach(s State) (*Cluster, error) {
	c := &Cluster{Dir: s.Dir, Bin: s.Bin, Server: s.Server, Kubeconfig: s.Kubeconfig, host: s.Host,
		pki: &pki{dir: filepath.Join(s.Dir, "pki")}}
	c.controllers, c.agent = c.startControllers, c.startAgent
	for _, d := range s.Daemons {
		c.daemons = append(c.daemons, &harness.Daemon{Name: d.Name, Log: d.Log, Proc: d.Proc})
	}
	var err error
	if c.CRI, err = harness.AttachCRI(s.CRI); err != nil {
		return nil, err
	}
	config, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	c.Client, err = kubernetes.NewForConfig(config)
	return c, err
}
