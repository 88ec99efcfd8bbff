package runtime

import (
	"context"
	"fmt"
	"github.com/nsj-dev/nsj/internal/base/ident"
	"strings"

	"github.com/containerd/errdefs"
)

// match is a container that a reference names.
type match struct {
	ns    string
	ctr   container
	exact bool
}

func (m match) name() string { return m.ns + "/" + m.ctr.ID }

// Find returns the running (or paused) task that ref names, in this order:
// an exact container ID, then a name (nerdctl's, kept in the label
// nerdctl/name, and Docker's, asked of dockerd), then a unique prefix of an
// ID. ref may be written NAMESPACE/ID, which is only an ID or prefix. It
// looks in the client's namespace; if that namespace was not given
// explicitly, in all the others too. When no address was given it does so
// on every containerd of the node (node.go), and the candidates of all are
// chosen among at once (choose.go): a word that names more than one
// container, here or there, is an error listing them. Errors are of kinds
// ErrNotFound, ErrAmbiguous, ErrNotRunning and ErrUnavailable, and their
// messages say what to do.
func (c *Client) Find(ctx context.Context, ref string) (*Target, error) {
	m, err := c.chosen(ctx, ref)
	if err != nil {
		return nil, err
	}
	s := m.client
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.target(ctx, *m)
}

// chosen is the container ref names, by Find's rules.
func (c *Client) chosen(ctx context.Context, ref string) (*candidate, error) {
	w := word{ref: ref, ns: c.namespace, explicit: c.explicit}
	if i := strings.IndexByte(ref, '/'); i > 0 {
		w = word{ref: ref[i+1:], ns: ref[:i], explicit: true, idOnly: true}
		if !ident.Valid(w.ns) {
			return nil, newError(ErrNotFound, "%q is not a containerd namespace", w.ns)
		}
	}
	if !ident.Valid(w.ref) {
		return nil, newError(ErrNotFound, "%q is not a container ID: IDs "+ident.Rule, w.ref)
	}
	cs, err := c.candidatesOnNode(ctx, w)
	if err != nil {
		return nil, err
	}
	m, err := cs.choose()
	if err != nil {
		return nil, err
	}
	if m == nil {
		if cs.dockerIdle != nil {
			return nil, dockerNotRunning(*cs.dockerIdle)
		}
		return nil, withDockerNote(c.whyNotFound(ctx, w, cs.searched), cs.dockerNote)
	}
	return m, nil
}

// target gets the task of m and checks that it can be joined. A container
// Docker or nerdctl made is named, and its hints use their commands.
func (c *Client) target(ctx context.Context, m candidate) (*Target, error) {
	ns, id := m.ns, m.ctr.ID
	o := ownerOf(ns, m.ctr.Labels, m.name, id)
	ts, err := c.store.task(ctx, ns, id)
	if errdefs.IsNotFound(err) {
		if o.tool != "" {
			return nil, c.ownerNotRunning(o, ns, id, StatusNoTask)
		}
		if err := kubeletNotRunning(m.ctr.Labels, id, StatusNoTask); err != nil {
			return nil, err
		}
		return nil, newError(ErrNotRunning, "container %q in namespace %q has no task; start it with: %s task start --null-io -d %s", id, ns, c.ctrCommand(ns), id)
	}
	if err != nil {
		return nil, c.callError(err, fmt.Sprintf("get task %q in namespace %q", id, ns))
	}
	if err := joinable(c.ctrCommand(ns), ns, id, ts.Status); err != nil {
		if o.tool != "" && ts.Status != StatusUnknown {
			return nil, c.ownerNotRunning(o, ns, id, ts.Status)
		}
		if kerr := kubeletNotRunning(m.ctr.Labels, id, ts.Status); kerr != nil && ts.Status != StatusUnknown {
			return nil, kerr
		}
		return nil, err
	}
	t, err := newTarget(ns, m.ctr, &ts)
	if err != nil {
		return nil, err
	}
	t.Socket = c.address
	t.markHostShared(c.proc)
	if m.name != "" {
		t.Name = m.name
	}
	if t.Image == "" {
		t.Image = m.image
	}
	return &t, nil
}

// ctrCommand is the start of a ctr command line for namespace ns of this containerd.
// Namespaces and IDs need no shell quoting: containerd allows only letters,
// digits, '_', '.' and '-' in them.
func (c *Client) ctrCommand(ns string) string {
	if c.address == DefaultSockets[0] {
		return "ctr -n " + ns
	}
	return fmt.Sprintf("ctr -a %s -n %s", c.address, ns)
}

// joinable says why a task in this state cannot be joined, or nil; ctr is the
// command prefix for the fix. Paused (and pausing) tasks are joinable; the
// caller warns about them.
func joinable(ctr, ns, id, status string) error {
	restart := fmt.Sprintf("%s task rm -f %s && %s task start --null-io -d %s", ctr, id, ctr, id)
	switch {
	case Joinable(status):
		return nil
	case status == StatusCreated:
		return newError(ErrNotRunning, "task %q in namespace %q is created but not started; if it stays so, start it afresh with: %s", id, ns, restart)
	case status == StatusStopped:
		return newError(ErrNotRunning, "task %q in namespace %q is stopped; start it again with: %s", id, ns, restart)
	}
	return newError(ErrNotRunning, "task %q in namespace %q is in state %q; look at it with: %s task ls", id, ns, status, ctr)
}
