package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// up starts a cluster of nodes nodes, or prints the exports of the one
// already up.
func up(d stateDir, plugin string, nodes int) error {
	s, ok, err := d.load()
	if err != nil {
		return err
	}
	if ok {
		if err := s.Running(); err != nil {
			return fmt.Errorf("the cluster recorded in %s is not running (%v): remove it with make cluster-down, then start it again", d, err)
		}
		if len(s.Nodes) != nodes {
			return fmt.Errorf("a cluster of %d node(s) is up, not %d: stop it with make cluster-down first", len(s.Nodes), nodes)
		}
		fmt.Fprintln(os.Stderr, "nsj-cluster: the cluster is already up; paste these lines into your shell:")
		d.exports(s)
		return nil
	}
	if plugin, err = filepath.Abs(plugin); err != nil {
		return err
	}
	if _, err := os.Stat(plugin); err != nil {
		return fmt.Errorf("kubectl-nsj: %w (build it with make kubectl-nsj)", err)
	}
	if err := os.MkdirAll(d.path("bin"), 0o755); err != nil {
		return err
	}
	harness.Detached = true
	start := time.Now()
	rootfs, err := harness.SharedRootfs()
	if err != nil {
		return err
	}
	var c *cluster.Cluster
	if nodes == 1 {
		c, err = cluster.New(cluster.BinDir(), rootfs)
	} else {
		c, err = cluster.NewNodes(cluster.BinDir(), rootfs, nodes)
	}
	if err != nil {
		os.RemoveAll(string(d))
		return err
	}
	if err := d.save(c.Saved()); err != nil { // from now on, down can remove it
		return err
	}
	if err := finish(d, c, rootfs, plugin); err != nil {
		return fmt.Errorf("%w\n(the cluster is partly up: make cluster-down removes it)", err)
	}
	fmt.Fprintf(os.Stderr, "nsj-cluster: %d-node cluster up in %s; paste these lines into your shell:\n", nodes, time.Since(start).Round(time.Second))
	d.exports(c.Saved())
	return nil
}

// finish imports the busybox image, deploys the agent, records the
// controllers and puts the kubeconfig, kubectl and kubectl-nsj in d.
func finish(d stateDir, c *cluster.Cluster, rootfs, plugin string) error {
	archive, err := harness.OCIImageArchive(rootfs, busyboxImage, []string{"sh"})
	if err != nil {
		return fmt.Errorf("build the busybox image: %w", err)
	}
	for _, n := range c.Nodes {
		if err := n.CRI.ImportImage(archive, busyboxImage); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	agentErr := c.StartAgent()
	if err := d.save(c.Saved()); err != nil { // with the controllers it started
		return err
	}
	if agentErr != nil {
		return agentErr
	}
	links := map[string]string{
		d.path("kubeconfig"):         c.Kubeconfig,
		d.path("bin", "kubectl"):     filepath.Join(c.Bin, "kubectl"),
		d.path("bin", "kubectl-nsj"): plugin,
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			return err
		}
	}
	return nil
}
