package main

import (
	"fmt"
	"os"

	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// down stops the recorded cluster and removes the state directory.
func down(d stateDir) error {
	s, ok, err := d.load()
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintf(os.Stderr, "nsj-cluster: no cluster is up (nothing recorded in %s)\n", d)
		return nil
	}
	c, err := cluster.Attach(s)
	if err != nil {
		return fmt.Errorf("find the cluster recorded in %s: %w", d, err)
	}
	if err := c.Stop(); err != nil {
		return fmt.Errorf("stopping the cluster: %w (its state stays in %s: run make cluster-down again)", err, d)
	}
	if err := os.RemoveAll(string(d)); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "nsj-cluster: the cluster is down and the host as it was")
	return nil
}
