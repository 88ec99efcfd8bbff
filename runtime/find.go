package runtime

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/containerd/errdefs"
	"github.com/sirupsen/logrus"
)

// validRef is what a container ID or a prefix of one can look like.
var validRef = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// match is a container that a reference names.
type match struct {
	ns    string
	ctr   container
	exact bool
}

func (m match) name() string { return m.ns + "/" + m.ctr.ID }

// Find returns the running (or paused) task that ref names: a container ID or
// a unique prefix of one, optionally written NAMESPACE/ID. It looks in the
// client's namespace; if that namespace was not given explicitly and ref is
// not there, it searches all the others and takes a single match. When no
// address was given it does so on every containerd of the node (node.go).
// Errors are
// of kinds ErrNotFound, ErrAmbiguous, ErrNotRunning and ErrUnavailable, and
// their messages say what to do.
func (c *Client) Find(ctx context.Context, ref string) (*Target, error) {
	ns, explicit := c.namespace, c.explicit
	if i := strings.IndexByte(ref, '/'); i > 0 {
		ns, explicit, ref = ref[:i], true, ref[i+1:]
		if !validRef.MatchString(ns) {
			return nil, newError(ErrNotFound, "%q is not a containerd namespace", ns)
		}
	}
	if !validRef.MatchString(ref) {
		return nil, newError(ErrNotFound, "%q is not a container ID: IDs start with a letter or digit and hold only letters, digits, '_', '.' and '-'", ref)
	}
	if len(c.others) > 0 {
		return c.findOnNode(ctx, ns, explicit, ref)
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	m, searched, err := c.search(ctx, ns, explicit, ref)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, c.notFound(ctx, ref, searched)
	}
	return c.target(ctx, *m)
}

// search looks for ref on this containerd: in namespace ns, then, unless ns
// was given explicitly, in the others. It returns the match (nil: none) and
// the namespaces searched.
func (c *Client) search(ctx context.Context, ns string, explicit bool, ref string) (*match, []string, error) {
	m, err := c.matchIn(ctx, ns, ref)
	if err != nil {
		return nil, nil, err
	}
	if m == nil && !explicit {
		return c.matchElsewhere(ctx, ns, ref)
	}
	return m, []string{ns}, nil
}

// matchIn looks for ref in namespace ns: the exact ID first (one Get, however
// many containers there are), else a unique prefix. It returns nil if nothing
// matches.
func (c *Client) matchIn(ctx context.Context, ns, ref string) (*match, error) {
	ctr, err := c.store.container(ctx, ns, ref)
	if err == nil {
		return &match{ns: ns, ctr: ctr, exact: true}, nil
	}
	if !errdefs.IsNotFound(err) {
		return nil, c.callError(err, fmt.Sprintf("get container %q in namespace %q", ref, ns))
	}
	ms, err := c.prefixMatches(ctx, ns, ref)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	if len(ms) > 1 {
		return nil, ambiguousPrefix(ref, ms)
	}
	return &ms[0], nil
}

// bestMatches keeps the exact matches of ms if there are any, else all of
// ms (prefix matches): an exact ID beats prefixes.
func bestMatches[M any](ms []M, exact func(M) bool) []M {
	var out []M
	for _, m := range ms {
		if exact(m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return ms
	}
	return out
}

// ambiguousPrefix is the error for a prefix that matches all of ms, which
// are in one namespace.
func ambiguousPrefix(ref string, ms []match) error {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ctr.ID
	}
	return newError(ErrAmbiguous, "task prefix %q is ambiguous in namespace %q: %s; give more of the ID", ref, ms[0].ns, joinNames(ids))
}

// inOneNamespace says whether every match of ms is in the same namespace.
func inOneNamespace(ms []match) bool {
	for _, m := range ms {
		if m.ns != ms[0].ns {
			return false
		}
	}
	return true
}

// prefixMatches lists the containers of ns whose ID starts with ref. The
// regexp filter keeps containerd from sending every container; ref holds no
// regexp syntax but '.', so the prefix is checked again here.
func (c *Client) prefixMatches(ctx context.Context, ns, ref string) ([]match, error) {
	ctrs, err := c.store.containers(ctx, ns, "id~=^"+ref)
	if err != nil {
		return nil, c.callError(err, fmt.Sprintf("list containers in namespace %q", ns))
	}
	var ms []match
	for _, ctr := range ctrs {
		if strings.HasPrefix(ctr.ID, ref) {
			ms = append(ms, match{ns: ns, ctr: ctr, exact: ctr.ID == ref})
		}
	}
	return ms, nil
}

// matchElsewhere searches the namespaces other than skip, one filtered List
// each. An exact ID beats prefixes; several matches of the best kind are an
// error. It also returns the namespaces searched, skip first.
func (c *Client) matchElsewhere(ctx context.Context, skip, ref string) (*match, []string, error) {
	all, err := c.store.namespaces(ctx)
	if err != nil {
		return nil, nil, c.callError(err, "list containerd namespaces")
	}
	searched := []string{skip}
	var found []match
	for _, ns := range all {
		if ns == skip {
			continue
		}
		searched = append(searched, ns)
		ms, err := c.prefixMatches(ctx, ns, ref)
		if err != nil {
			return nil, nil, err
		}
		found = append(found, ms...)
	}
	best := bestMatches(found, func(m match) bool { return m.exact })
	switch len(best) {
	case 0:
		return nil, searched, nil
	case 1:
		logrus.Debugf("%q is not in namespace %q; found it in namespace %q", ref, skip, best[0].ns)
		return &best[0], searched, nil
	}
	if inOneNamespace(best) {
		return nil, nil, ambiguousPrefix(ref, best)
	}
	names := make([]string, len(best))
	for i, m := range best {
		names[i] = m.name()
	}
	return nil, nil, newError(ErrAmbiguous, "%q matches containers in several namespaces: %s; pick one with -n NAMESPACE or write NAMESPACE/ID", ref, joinNames(names))
}

// notFound builds the error for a reference that matched nothing.
func (c *Client) notFound(ctx context.Context, ref string, searched []string) error {
	if len(searched) > 1 {
		return newError(ErrNotFound, "no task %q in any containerd namespace (searched %s; see nsj --list -n NAMESPACE)", ref, strings.Join(searched, ", "))
	}
	ns := searched[0]
	ts, err := c.store.tasks(ctx, ns)
	if err != nil {
		return newError(ErrNotFound, "no task %q in namespace %q (see nsj --list -n %s)", ref, ns, ns)
	}
	if len(ts) == 0 {
		if all, err := c.store.namespaces(ctx); err == nil && !slices.Contains(all, ns) {
			return c.noNamespace(ctx, ns, all)
		}
	}
	return newError(ErrNotFound, "no task %q in namespace %q (%d tasks there; see nsj --list -n %s)", ref, ns, len(ts), ns)
}

// target gets the task of m and checks that it can be joined.
func (c *Client) target(ctx context.Context, m match) (*Target, error) {
	ns, id := m.ns, m.ctr.ID
	ts, err := c.store.task(ctx, ns, id)
	if errdefs.IsNotFound(err) {
		return nil, newError(ErrNotRunning, "container %q in namespace %q has no task; start it with: %s task start --null-io -d %s", id, ns, c.ctrCommand(ns), id)
	}
	if err != nil {
		return nil, c.callError(err, fmt.Sprintf("get task %q in namespace %q", id, ns))
	}
	if err := joinable(c.ctrCommand(ns), ns, id, ts.Status); err != nil {
		return nil, err
	}
	t, err := newTarget(ns, m.ctr, &ts)
	if err != nil {
		return nil, err
	}
	t.Socket = c.address
	t.markHostShared(c.proc)
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
	switch status {
	case StatusRunning, StatusPaused, StatusPausing:
		return nil
	case StatusCreated:
		return newError(ErrNotRunning, "task %q in namespace %q is created but not started; if it stays so, start it afresh with: %s", id, ns, restart)
	case StatusStopped:
		return newError(ErrNotRunning, "task %q in namespace %q is stopped; start it again with: %s", id, ns, restart)
	}
	return newError(ErrNotRunning, "task %q in namespace %q is in state %q; look at it with: %s task ls", id, ns, status, ctr)
}
