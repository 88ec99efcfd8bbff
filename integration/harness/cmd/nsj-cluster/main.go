// Command nsj-cluster starts and stops, for a person, the one-node
// Kubernetes cluster the end-to-end tests use (package harness/cluster),
// or with -nodes N their cluster of N nodes (cluster.NewNodes), to try
// `kubectl nsj` on one machine: `make cluster` (NODES=N) runs
// `nsj-cluster up`, `make cluster-down` runs `nsj-cluster down`.
//
// up starts etcd, kube-apiserver, per node a kubelet on a CRI containerd
// of its own, kube-controller-manager and kube-scheduler, detached (they
// keep running after it exits), imports a busybox image as
// localhost/busybox:latest on every node, deploys the nsj agent DaemonSet
// with the nsj of this checkout ($NSJ_BIN), records the daemons'
// processes, the nodes' network and the host state kubelet changes in the
// state directory, and prints the lines to paste into a shell. When the
// cluster is already up it prints them again and changes nothing. down
// stops everything by its recorded process, unmounts what is left under
// the cluster's directories, removes the nodes' network, puts the host
// state back and removes the state directory; with nothing up it says so.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// busyboxImage is the image pods of the cluster can run (imagePullPolicy:
// Never): the bed's busybox root filesystem.
const busyboxImage = "localhost/busybox:latest"

func main() {
	dir := flag.String("dir", "/var/lib/nsj-cluster", "state `directory`: the recorded processes and host state, the kubeconfig, bin/ with kubectl and kubectl-nsj")
	plugin := flag.String("plugin", "bin/kubectl-nsj", "the kubectl-nsj `binary` to put on PATH (make kubectl-nsj)")
	nodes := flag.Int("nodes", 1, "how many `nodes` up starts: 1 (localhost, on the host's network) or more (nsj-node-1..N, each in a network namespace of its own)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: nsj-cluster [-dir DIR] [-plugin FILE] [-nodes N] up|down\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || (flag.Arg(0) != "up" && flag.Arg(0) != "down") {
		flag.Usage()
		os.Exit(2)
	}
	if *nodes < 1 || *nodes > 9 {
		fmt.Fprintf(os.Stderr, "nsj-cluster: -nodes %d: give 1 to 9 (make cluster NODES=N)\n", *nodes)
		os.Exit(2)
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "nsj-cluster: the cluster needs root: run it as root (sudo make cluster)")
		os.Exit(1)
	}
	s := stateDir(*dir)
	var err error
	if flag.Arg(0) == "up" {
		err = up(s, *plugin, *nodes)
	} else {
		err = down(s)
	}
	harness.RunAtExit()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nsj-cluster:", err)
		os.Exit(1)
	}
}

// stateDir is the state directory of one cluster.
type stateDir string

func (d stateDir) path(elem ...string) string {
	return filepath.Join(append([]string{string(d)}, elem...)...)
}

// load reads the recorded state; ok is false when no cluster is recorded.
func (d stateDir) load() (s cluster.State, ok bool, err error) {
	b, err := os.ReadFile(d.path("state.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return s, false, nil
	}
	if err != nil {
		return s, false, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, false, fmt.Errorf("%s: %w", d.path("state.json"), err)
	}
	return s, true, nil
}

func (d stateDir) save(s cluster.State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := d.path("state.json.new")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, d.path("state.json"))
}

// exports prints the lines to paste into a shell (CONTAINERD_ADDRESS: the
// first node's) and, for several nodes, each node's on stderr.
func (d stateDir) exports(s cluster.State) {
	fmt.Printf("export KUBECONFIG=%s\n", d.path("kubeconfig"))
	fmt.Printf("export CONTAINERD_ADDRESS=%s\n", filepath.Join(s.CRI.Dir, "c.sock"))
	fmt.Printf("export PATH=%s:$PATH\n", d.path("bin"))
	if len(s.Nodes) < 2 {
		return
	}
	fmt.Fprintln(os.Stderr, "nsj-cluster: the nodes (ip netns exec NETNS ... runs on a node's network):")
	for _, n := range s.Nodes {
		fmt.Fprintf(os.Stderr, "  %s  IP %s  pods %s  netns %s  CONTAINERD_ADDRESS=%s\n",
			n.Name, n.IP, n.PodCIDR, filepath.Base(n.Netns), filepath.Join(n.CRI.Dir, "c.sock"))
	}
}
