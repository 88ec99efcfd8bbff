package runtime

import (
	"context"
	"errors"

	"github.com/sirupsen/logrus"
)

// The containerds of this node. Without -a/--address (or
// $CONTAINERD_ADDRESS) nsj considers every one of DefaultSockets that
// exists: Docker's own containerd beside the system one, k3s beside it.
// A target word is resolved on each (as one containerd's namespaces are:
// exact ID, names, prefix) and the candidates of all are chosen among by
// the one rule of choose.go. Each is dialed on its first call; with one
// socket, the common case, the loops here run once.

// node is c and the other containerds of the node, c first.
func (c *Client) node() []*Client { return append([]*Client{c}, c.others...) }

// on returns the client of the containerd at socket: c's own, or one of
// the others; "" is c.
func (c *Client) on(socket string) *Client {
	for _, o := range c.others {
		if o.address == socket {
			return o
		}
	}
	return c
}

// candidatesOnNode collects what w may name on each containerd of the
// node, as on one (names.go), into one set that choose picks from. A
// containerd that does not answer is left out with a warning when there
// are others; if none answers, the first one's error is returned.
func (c *Client) candidatesOnNode(ctx context.Context, w word) (*candidates, error) {
	cs := &candidates{word: w.ref, home: w.ns, dockerd: c.dockerd, dockerSkip: c.dockerdSkipped}
	err := c.eachOnNode(func(s *Client) error {
		sctx, cancel := s.withTimeout(ctx)
		defer cancel()
		seen, err := s.collect(sctx, w, cs)
		if err == nil {
			cs.searched = append(cs.searched, seen)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// eachOnNode calls ask with each containerd of the node in turn. One that
// does not answer (ErrUnavailable) is left out with a warning when there
// are others; any other error ends the walk. If none answers, the first
// one's error is returned.
func (c *Client) eachOnNode(ask func(*Client) error) error {
	var firstErr error
	answered := false
	for _, s := range c.node() {
		err := ask(s)
		if errors.Is(err, ErrUnavailable) && len(c.others) > 0 {
			s.leaveOut(err)
			firstErr = firstOf(firstErr, err)
			continue
		}
		if err != nil {
			return err
		}
		answered = true
	}
	if !answered {
		return firstErr
	}
	return nil
}

// firstOf is a unless it is nil, else b.
func firstOf(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// leaveOut warns, once, that the containerd of c is left out.
func (c *Client) leaveOut(err error) {
	if c.skipped {
		return
	}
	c.skipped = true
	logrus.Warnf("containerd at %s does not answer; going on without it (--debug says why)", c.address)
	logrus.Debugf("containerd at %s: %v", c.address, err)
}

// Listing is what ListNode found on the containerds of the node.
type Listing struct {
	Tasks    []Target
	Searched []Searched // each containerd that answered, in DefaultSockets order
}

// Searched is a containerd that ListNode asked, and the namespaces it listed.
type Searched struct {
	Socket     string
	Namespaces []string
}

// ListNode is List on every containerd of the node: the tasks of each in
// turn, and which containerds answered. A containerd that does not answer
// is left out with a warning, unless it is the only one.
func (c *Client) ListNode(ctx context.Context, allNamespaces bool) (Listing, error) {
	var l Listing
	err := c.eachOnNode(func(s *Client) error {
		ts, nss, err := s.listOne(ctx, allNamespaces)
		if err == nil {
			l.Tasks = append(l.Tasks, ts...)
			l.Searched = append(l.Searched, Searched{Socket: s.address, Namespaces: nss})
		}
		return err
	})
	if err != nil {
		return Listing{}, err
	}
	return l, nil
}
