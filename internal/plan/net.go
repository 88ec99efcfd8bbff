package plan

import (
	"errors"
	"fmt"
	"os"

	"github.com/nsj-dev/nsj/nsjoin"
)

// The network namespace of a target, for nsj -L/-R (internal/forward): it is
// opened while the target's PID is pinned, as every namespace nsj joins is,
// whether or not the command joins it (--ns pid leaves it out; a
// forward-only run has no command at all). A pod's network namespace is the
// file CNI set up, as in a join (paths.go).

// withNetwork makes op also open t's network namespace while pinned, into *out.
func withNetwork(op opening, t *target, out **nsjoin.Namespace) opening {
	prev := op.pinned
	op.pinned = func(p *nsjoin.Process) error {
		if prev != nil {
			if err := prev(p); err != nil {
				return err
			}
		}
		ns, err := openNetwork(p, t)
		*out = ns
		return err
	}
	return op
}

// openNetwork opens the pinned process's network namespace, or its pod's file.
func openNetwork(p *nsjoin.Process, t *target) (*nsjoin.Namespace, error) {
	ns, err := p.OpenNamespace("net")
	if err != nil {
		if aliveErr := p.Alive(); aliveErr != nil {
			return nil, aliveErr
		}
		return nil, fmt.Errorf("opening the network namespace of %s: %w", t.name, err)
	}
	if err := p.Alive(); err != nil {
		ns.File.Close()
		return nil, err
	}
	if path, ok := t.files["net"]; ok {
		nss, err := openFiles([]*nsjoin.Namespace{ns}, map[string]string{"net": path})
		if err != nil {
			nsjoin.Close(nss)
			return nil, err
		}
		ns = nss[0]
	}
	return ns, nil
}

// closeNet releases the network namespace, if open.
func (p *Prepared) closeNet() {
	if p.Net != nil {
		p.Net.File.Close()
		p.Net = nil
	}
}

// OpenNetwork finds the target and opens its network namespace alone: nsj
// -L/-R without a command, which joins nothing. Close releases it.
func OpenNetwork(a *Ask) (*Prepared, error) {
	if err := RequireAdmin(); err != nil {
		return nil, err
	}
	t, err := findTarget(a, nsjoin.Selection{Types: []string{"net"}})
	if err != nil {
		return nil, err
	}
	p := &Prepared{Target: t.name, release: []func(){t.done}}
	p.release = append(p.release, p.closeNet)
	pin, err := nsjoin.PinProcess(t.pid)
	if errors.Is(err, nsjoin.ErrNoProcess) {
		err = t.gone(fmt.Errorf("no process with PID %d; see ps -e, or name a container task instead", t.pid))
	}
	if err != nil {
		p.Close()
		return nil, err
	}
	defer pin.Close()
	if p.Net, err = openNetwork(pin, t); err == nil && t.recheck != nil {
		err = t.recheck()
	}
	if errors.Is(err, nsjoin.ErrTargetExited) {
		err = t.gone(fmt.Errorf("%s exited while nsj was opening its network namespace", t.name))
	}
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// StartInJob starts the constructor for the prepared join p as a child in
// nsj's own job (nsjoin.Spawner.StartInJob), where Join would exec it: nsj
// -L/-R COMMAND forwards while the command runs. It returns the join's PID.
func StartInJob(p *Prepared) (int, error) {
	sp, err := nsjoin.NewSpawner()
	if err != nil {
		return 0, err
	}
	defer sp.Close()
	stopAt("exec")
	pid, err := sp.StartInJob(p.Request, [3]*os.File{os.Stdin, os.Stdout, os.Stderr})
	if err != nil {
		return 0, fmt.Errorf("joining %s: %w", p.Target, err)
	}
	return pid, nil
}
