package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/nsj-dev/nsj/integration/harness"
)

// down removes the recorded playground and the state directory.
func down(d stateDir) error {
	s, ok, err := d.load()
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintf(os.Stderr, "nsj-playground: no playground is up (nothing recorded in %s)\n", d)
		return nil
	}
	c, err := harness.AttachContainerd(s.Containerd)
	if err != nil {
		return fmt.Errorf("find the containerd recorded in %s: %w", d, err)
	}
	// The veth pair goes with web's network namespace; removed here too
	// if web is gone and the host side is not.
	if err := errors.Join(c.Stop(), removeLink()); err != nil {
		return fmt.Errorf("removing the playground: %w (its state stays in %s: run make playground-down again)", err, d)
	}
	if err := os.RemoveAll(string(d)); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "nsj-playground: the playground is down and the host as it was")
	return nil
}
