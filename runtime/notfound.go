package runtime

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Explaining a word that named nothing is apart from finding it, as
// nerdctl's containerwalker only counts matches and its callers word the
// error. The lookup (collect, names.go) keeps what it saw on each
// containerd that answered (searchedOn); the message is worded from that
// (explainNotFound, which calls nothing). What the lookup had no reason to
// ask is asked by askAfterNotFound alone, once the lookup has failed, and
// only what the message will use: a containerd's namespaces when the
// namespace was given, the number of tasks in the one namespace searched,
// and whether a socket not searched has that namespace.

// searchedOn is one containerd that answered the lookup: the namespaces
// searched there (the word's first) and, if the lookup listed them (no
// namespace given), all of its namespaces.
type searchedOn struct {
	client     *Client
	namespaces []string
	all        []string
	listed     bool // all is the containerd's answer
}

// namespacesOf is what one containerd said its namespaces are.
type namespacesOf struct {
	client *Client
	all    []string
}

// notFoundFacts is what a not-found message is worded from besides the
// namespaces searched.
type notFoundFacts struct {
	known     []namespacesOf // each containerd whose namespaces are known, in the node's order
	tasks     int            // tasks in the one namespace searched; -1: not known
	elsewhere string         // a default socket not searched that has the namespace; "": none
}

// mayHave says whether containerd s may have namespace ns: unless its
// namespaces are known and lack it.
func (f notFoundFacts) mayHave(s *Client, ns string) bool {
	for _, k := range f.known {
		if k.client == s {
			return slices.Contains(k.all, ns)
		}
	}
	return true
}

// The not-found messages, by what they speak of.
type notFoundCase int

const (
	onSeveral            notFoundCase = iota // several containerds searched
	inEveryNamespace                         // one containerd, all of its namespaces
	inTheNamespace                           // one containerd, the word's namespace, which it may have
	noNamespaceOnOne                         // one containerd said its namespaces, and lacks the word's
	noNamespaceOnSeveral                     // several did, and none has it
)

// whyNotFound is the error for w, which named nothing on the containerds
// that answered (seen).
func (c *Client) whyNotFound(ctx context.Context, w word, seen []searchedOn) error {
	f := c.askAfterNotFound(ctx, w, seen)
	in, why := c.notFoundScope(w, seen, f)
	return explainNotFound(w, in, why, f)
}

// askAfterNotFound makes the calls that wording the not-found error for w
// needs and the lookup did not make, each once. Where one namespace of one
// containerd was searched, its tasks are counted first: a namespace with
// tasks exists, and its containerd's namespaces need not be asked. A call
// that fails leaves its fact unknown, and the message is the plainer one.
func (c *Client) askAfterNotFound(ctx context.Context, w word, seen []searchedOn) notFoundFacts {
	f := notFoundFacts{tasks: -1}
	one := len(seen) == 1 && len(seen[0].namespaces) == 1
	if one {
		f.tasks = seen[0].client.countTasks(ctx, w.ns)
	}
	for _, s := range seen {
		switch {
		case s.listed:
			f.known = append(f.known, namespacesOf{s.client, s.all})
		case one && f.tasks > 0: // the namespace exists
		default:
			if all, err := s.client.Namespaces(ctx); err == nil {
				f.known = append(f.known, namespacesOf{s.client, all})
			}
		}
	}
	switch in, why := c.notFoundScope(w, seen, f); {
	case why == inTheNamespace && !one:
		f.tasks = in[0].client.countTasks(ctx, w.ns)
	case why == noNamespaceOnOne:
		f.elsewhere = c.namespaceElsewhere(ctx, w.ns)
	}
	return f
}

// countTasks is the number of tasks in namespace ns; -1 if containerd
// does not say.
func (c *Client) countTasks(ctx context.Context, ns string) int {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	ts, err := c.store.tasks(ctx, ns)
	if err != nil {
		return -1
	}
	return len(ts)
}

// notFoundScope is what the message for w speaks of: the containerds
// searched (less, when the namespace was given on a node of several, those
// known to lack it), and which message that is.
func (c *Client) notFoundScope(w word, seen []searchedOn, f notFoundFacts) ([]searchedOn, notFoundCase) {
	in := seen
	if w.explicit && len(c.others) > 0 {
		in = nil
		for _, s := range seen {
			if f.mayHave(s.client, w.ns) {
				in = append(in, s)
			}
		}
	}
	switch {
	case len(in) > 1:
		return in, onSeveral
	case len(in) == 1 && len(in[0].namespaces) > 1:
		return in, inEveryNamespace
	case len(in) == 1 && f.mayHave(in[0].client, w.ns):
		return in, inTheNamespace
	case len(f.known) == 1:
		return in, noNamespaceOnOne
	}
	return in, noNamespaceOnSeveral
}

// explainNotFound words the error for w from what was searched (in), the
// case, and the facts asked after.
func explainNotFound(w word, in []searchedOn, why notFoundCase, f notFoundFacts) error {
	ref, ns := w.ref, w.ns
	switch why {
	case onSeveral:
		parts := make([]string, len(in))
		for i, s := range in {
			parts[i] = fmt.Sprintf("%s: %s", s.client.address, strings.Join(s.namespaces, ", "))
		}
		return newError(ErrNotFound, "no task %q on any containerd of this node (searched %s; see nsj --list)", ref, strings.Join(parts, "; "))
	case inEveryNamespace:
		return newError(ErrNotFound, "no task %q in any containerd namespace (searched %s; see nsj --list -n NAMESPACE)", ref, strings.Join(in[0].namespaces, ", "))
	case inTheNamespace:
		if f.tasks < 0 {
			return newError(ErrNotFound, "no task %q in namespace %q (see nsj --list -n %s)", ref, ns, ns)
		}
		return newError(ErrNotFound, "no task %q in namespace %q (%d tasks there; see nsj --list -n %s)", ref, ns, f.tasks, ns)
	}
	return f.noNamespace(ns)
}

// noNamespace is the error for namespace ns (-n, $CONTAINERD_NAMESPACE or
// NAMESPACE/ID), which none of the containerds in f.known has: it lists
// the namespaces there are and where, and points at the right one.
func (f notFoundFacts) noNamespace(ns string) error {
	var have, union []string
	for _, k := range f.known {
		all := slices.Sorted(slices.Values(k.all))
		have = append(have, fmt.Sprintf("%s has: %s", k.client.address, joinNames(all)))
		union = append(union, all...)
	}
	if len(f.known) != 1 {
		return newError(ErrNotFound, "no containerd of this node has namespace %q (%s); pick one with -n%s", ns, strings.Join(have, "; "), suggestNamespace(ns, union))
	}
	address := f.known[0].client.address
	switch {
	case f.elsewhere != "":
		return newError(ErrNotFound, "containerd at %s has no namespace %q; it is on %s: -a %s", address, ns, f.elsewhere, f.elsewhere)
	case len(union) == 0:
		return newError(ErrNotFound, "containerd at %s has no namespace %q, nor any other: it has no containers", address, ns)
	}
	return newError(ErrNotFound, "containerd at %s has no namespace %q (it has: %s); pick one with -n%s", address, ns, joinNames(union), suggestNamespace(ns, union))
}
