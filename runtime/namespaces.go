package runtime

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nsj-dev/nsj/runtime/dockerd"
)

// Errors for a namespace (-n, $CONTAINERD_NAMESPACE or NAMESPACE/ID) that
// the containerd asked has not: they list the namespaces that exist and
// where, and point at the right one.

// DockerNamespace is the containerd namespace Docker keeps its containers in.
const DockerNamespace = dockerd.Namespace

// probeTimeout bounds the question to another containerd, asked only to
// word an error.
const probeTimeout = time.Second

// noNamespace is the error for namespace ns, which this containerd lacks
// (it has all). If another containerd of the node has ns, it names it.
func (c *Client) noNamespace(ctx context.Context, ns string, all []string) error {
	if other := c.namespaceElsewhere(ctx, ns); other != "" {
		return newError(ErrNotFound, "containerd at %s has no namespace %q; it is on %s: -a %s", c.address, ns, other, other)
	}
	if len(all) == 0 {
		return newError(ErrNotFound, "containerd at %s has no namespace %q, nor any other: it has no containers", c.address, ns)
	}
	return newError(ErrNotFound, "containerd at %s has no namespace %q (it has: %s); pick one with -n%s", c.address, ns, joinNames(all), suggestNamespace(ns, all))
}

// namespaceElsewhere returns the first of DefaultSockets, other than the
// containerds this client asks, whose containerd has namespace ns; "" if none.
func (c *Client) namespaceElsewhere(ctx context.Context, ns string) string {
	for _, p := range DefaultSockets {
		if slices.ContainsFunc(c.node(), func(o *Client) bool { return o.address == p }) {
			continue
		}
		if _, err := checkSocket(p, "default location", os.Stat); err != nil {
			continue
		}
		o := newClient(p, ns, true, probeTimeout)
		all, err := o.Namespaces(ctx)
		o.Close()
		if err == nil && slices.Contains(all, ns) {
			return p
		}
	}
	return ""
}

// noNamespaceOnNode is the error for namespace ns, which no containerd of
// the node that answers has.
func (c *Client) noNamespaceOnNode(ctx context.Context, ns string) error {
	var have, union []string
	var answered *Client
	for _, s := range c.node() {
		if s.skipped {
			continue
		}
		all, err := s.Namespaces(ctx)
		if err != nil {
			continue
		}
		slices.Sort(all)
		answered = s
		have = append(have, fmt.Sprintf("%s has: %s", s.address, joinNames(all)))
		union = append(union, all...)
	}
	if len(have) == 1 {
		return answered.noNamespace(ctx, ns, union)
	}
	return newError(ErrNotFound, "no containerd of this node has namespace %q (%s); pick one with -n%s", ns, strings.Join(have, "; "), suggestNamespace(ns, union))
}

// suggestNamespace points at the namespace of all that ns was likely meant
// to be, as " (...)", or returns "": namespaces are case-sensitive, and
// Docker's is not called docker.
func suggestNamespace(ns string, all []string) string {
	for _, n := range all {
		if strings.EqualFold(n, ns) {
			return fmt.Sprintf(" (names are case-sensitive: -n %s)", n)
		}
	}
	if strings.EqualFold(ns, "docker") && slices.Contains(all, DockerNamespace) {
		return fmt.Sprintf(" (Docker's containers are in -n %s)", DockerNamespace)
	}
	return ""
}

// NodeNamespaces lists the namespaces of every containerd of the node,
// each once, in the order the containerds answer. A containerd that does
// not answer is left out; if none answers, the first one's error is
// returned.
func (c *Client) NodeNamespaces(ctx context.Context) ([]string, error) {
	var out []string
	var firstErr error
	answered := false
	for _, s := range c.node() {
		nss, err := s.Namespaces(ctx)
		if err != nil {
			firstErr = firstOf(firstErr, err)
			continue
		}
		answered = true
		for _, n := range nss {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	if !answered {
		return nil, firstErr
	}
	return out, nil
}

// MissingNamespace returns an error of kind ErrNotFound if the namespace
// was given (-n, $CONTAINERD_NAMESPACE) and no containerd asked has it;
// else nil. Call it when a List of that namespace found nothing.
func (c *Client) MissingNamespace(ctx context.Context) error {
	if !c.explicit {
		return nil
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	var all []string
	for _, s := range c.node() {
		if s.skipped {
			continue
		}
		nss, err := s.Namespaces(ctx)
		if err != nil || slices.Contains(nss, c.namespace) {
			return nil // not provably missing
		}
		all = append(all, nss...)
	}
	if len(c.others) > 0 {
		return c.noNamespaceOnNode(ctx, c.namespace)
	}
	slices.Sort(all)
	return c.noNamespace(ctx, c.namespace, all)
}
