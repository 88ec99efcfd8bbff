package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/nsj-dev/nsj/internal/fscopy"
	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/internal/snapmount"
	"github.com/nsj-dev/nsj/runtime"
	"golang.org/x/sys/unix"
)

// copyStopped copies out of a container whose task does not run
// (notRunning says so): from its root's snapshot, mounted detached and
// read-only, paths resolved inside it as in a running container's root.
// Copying into it is refused: its files are written by its task only.
func copyStopped(a *plan.Ask, notRunning error, from, to cpArg, follow bool) error {
	if to.task != "" {
		return fmt.Errorf("%w; nsj cp copies into running containers only (out of a stopped one it reads its snapshot)", notRunning)
	}
	s, err := plan.LocateSnapshot(a)
	if errors.Is(err, runtime.ErrNoSnapshot) {
		return fmt.Errorf("%w; and nsj cp cannot read it stopped: %w", notRunning, err)
	}
	if err != nil {
		return err
	}
	root, err := snapmount.Open(s.Mounts)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	defer unix.Close(root)
	r := fscopy.Request{FromPath: from.path, ToPath: to.path, Follow: follow, Stdin: os.Stdin, Stdout: os.Stdout,
		From: fscopy.Container(s.Name, root, fscopy.Owner{}), To: fscopy.Host()}
	return fscopy.Copy(r)
}
