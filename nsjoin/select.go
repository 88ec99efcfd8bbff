package nsjoin

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/sirupsen/logrus"
)

// Selection says which namespaces of a target to join.
type Selection struct {
	// Types to consider, in any order; nil means DefaultTypes.
	Types []string
	// Explicit: the user named Types (--ns). A type the target lacks is then
	// an error; otherwise it is skipped.
	Explicit bool
}

// sinceKernel says since when Linux has the namespace types that a
// supported kernel may lack (docs/compatibility.md).
var sinceKernel = map[string]string{"cgroup": " (cgroup namespaces need Linux 4.6)", "time": " (time namespaces need Linux 5.6)"}

// ErrNoSuchNamespace means the target has no namespace of a requested type
// (the kernel lacks it).
var ErrNoSuchNamespace = errors.New("no such namespace")

// OpenNamespaces opens the namespaces of p chosen by sel, in join order,
// and skips those identical to nsj's own: joining them would change nothing.
// It checks afterwards that p is still alive, so the files are p's.
func (p *Process) OpenNamespaces(sel Selection) ([]*Namespace, error) {
	types := sel.Types
	if types == nil {
		types = DefaultTypes
	}
	var out []*Namespace
	for _, typ := range Types {
		if !slices.Contains(types, typ) {
			continue
		}
		ns, err := p.openIfDifferent(typ, sel.Explicit)
		if err != nil {
			Close(out)
			return nil, err
		}
		if ns != nil {
			out = append(out, ns)
		}
	}
	if err := p.Alive(); err != nil {
		Close(out)
		return nil, err
	}
	return out, nil
}

func (p *Process) openIfDifferent(typ string, explicit bool) (*Namespace, error) {
	ns, err := p.OpenNamespace(typ)
	if errors.Is(err, fs.ErrNotExist) {
		if err := p.Alive(); err != nil {
			return nil, err
		}
		// Missing while nsj has one: hidden (a mount over /proc/PID/ns), not
		// absent from the kernel. Skipping it would run the command in
		// nsj's own namespace instead of the target's.
		if _, ownErr := OwnNamespace(typ); ownErr == nil {
			return nil, fmt.Errorf("opening the %s namespace of PID %d: %w; the kernel has %s namespaces, so something hides it (see findmnt -R /proc), and nsj does not run the command outside the target's",
				typ, p.PID, err, typ)
		}
		if explicit {
			return nil, fmt.Errorf("PID %d has no %s namespace (the kernel lacks it): %w", p.PID, typ, ErrNoSuchNamespace)
		}
		logrus.Debugf("namespace %s: the kernel has none%s; skipped", typ, sinceKernel[typ])
		return nil, nil
	}
	if err != nil {
		if aliveErr := p.Alive(); aliveErr != nil {
			return nil, aliveErr
		}
		return nil, fmt.Errorf("opening the %s namespace of PID %d: %w", typ, p.PID, err)
	}
	own, err := OwnNamespace(typ)
	if err != nil {
		ns.File.Close()
		return nil, err
	}
	if ns.Same(own) {
		logrus.Debugf("namespace %s: inode %d is nsj's own; skipped", typ, ns.Inode)
		ns.File.Close()
		return nil, nil
	}
	logrus.Debugf("namespace %s: joining inode %d (nsj's is %d)", typ, ns.Inode, own.Inode)
	return ns, nil
}
