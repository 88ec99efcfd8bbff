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
	var f notFoundFacts
	for _, s := range c.node() {
		if s.skipped {
			continue
		}
		nss, err := s.Namespaces(ctx)
		if err != nil || slices.Contains(nss, c.namespace) {
			return nil // not provably missing
		}
		f.known = append(f.known, namespacesOf{s, nss})
	}
	if len(f.known) == 0 {
		return nil
	}
	if len(f.known) == 1 {
		f.elsewhere = c.namespaceElsewhere(ctx, c.namespace)
	}
	return f.noNamespace(c.namespace)
}
