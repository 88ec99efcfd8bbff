// Package forward carries TCP connections between the host and a
// container's network namespace, both ways, as ssh -L and -R do: a -L
// forward listens on the host and dials each connection from inside the
// container's network namespace (so its loopback-only ports are reachable);
// a -R forward listens inside the container's network namespace and dials
// each connection on the host. The sockets of the container's side are
// created there and nowhere else, on a thread that joins only its network
// namespace (package netns). Each connection is carried both ways with
// half-close, and one that fails is reported and closed without touching
// the others; Close ends everything and waits for it.
package forward

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/nsj-dev/nsj/internal/forwardspec"
	"github.com/nsj-dev/nsj/internal/netns"
	"github.com/sirupsen/logrus"
)

// Spec is one forward (package forwardspec reads them).
type Spec = forwardspec.Spec

// Conn is one side of a carried connection: a TCP connection, or a stream
// of kubectl nsj -R's multiplexed exec (package streammux).
type Conn interface {
	io.ReadWriteCloser
	CloseWrite() error
}

// Dialer opens the far side of a -R forward's connection elsewhere than
// on the host: kubectl nsj -R dials on the operator's machine. It gets
// the forward's index among the specs.
type Dialer func(index int) (Conn, error)

// dialTimeout bounds each connection's dial on the other side.
const dialTimeout = 10 * time.Second

// Set is the forwards of one nsj run, listening from Listen until Close.
type Set struct {
	fwds []*fwd
	ns   *netns.Namespace
	wg   sync.WaitGroup

	mu     sync.Mutex
	conns  map[io.Closer]struct{} // open connections, both sides, closed by Close
	closed bool
}

// fwd is one forward: its listener and how it dials.
type fwd struct {
	spec Spec
	ln   *net.TCPListener
	dial func() (Conn, error)
}

// Listen opens every listener, each in its own network namespace: -L
// forwards in nsj's, -R forwards in the target's (ns). The set takes ns
// and closes it with itself. On any failure everything opened is closed.
func Listen(specs []Spec, ns *netns.Namespace) (*Set, error) {
	return ListenVia(specs, ns, nil)
}

// ListenVia is Listen, but -R forwards dial with remote, if not nil.
func ListenVia(specs []Spec, ns *netns.Namespace, remote Dialer) (*Set, error) {
	s := &Set{conns: map[io.Closer]struct{}{}, ns: ns}
	for i, sp := range specs {
		f, err := open(sp, ns)
		if err == nil && remote != nil && sp.Dir == forwardspec.Remote {
			f.dial = func() (Conn, error) { return remote(i) }
		}
		if err != nil {
			s.Close()
			return nil, err
		}
		s.fwds = append(s.fwds, f)
	}
	return s, nil
}

// open opens the listener of sp on its side and says how to dial the other.
func open(sp Spec, ns *netns.Namespace) (*fwd, error) {
	f := &fwd{spec: sp}
	inside := func() (Conn, error) { return dialIn(ns, sp) }
	outside := func() (Conn, error) { return dial(sp) }
	var err error
	if sp.Dir == forwardspec.Local {
		f.ln, err = net.ListenTCP(forwardspec.Network(sp.Listen), forwardspec.TCPAddr(sp.Listen))
		f.dial = inside
		if err != nil {
			return nil, fmt.Errorf("%s: listening on the host: %w", sp, err)
		}
		return f, nil
	}
	err = ns.Do(func() (err error) {
		f.ln, err = net.ListenTCP(forwardspec.Network(sp.Listen), forwardspec.TCPAddr(sp.Listen))
		return err
	})
	f.dial = outside
	if err != nil {
		return nil, fmt.Errorf("%s: listening in the container's network namespace: %w", sp, err)
	}
	return f, nil
}

// dial connects to sp's destination from the calling thread's namespace.
func dial(sp Spec) (*net.TCPConn, error) {
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.Dial(forwardspec.Network(sp.Dial), sp.Dial.String())
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// dialIn connects to sp's destination from inside ns.
func dialIn(ns *netns.Namespace, sp Spec) (*net.TCPConn, error) {
	var c *net.TCPConn
	err := ns.Do(func() (err error) {
		c, err = dial(sp)
		return err
	})
	return c, err
}

// Forwards is each forward as it listens: its spec, with the port the
// kernel chose for PORT 0.
func (s *Set) Forwards() []Spec {
	out := make([]Spec, len(s.fwds))
	for i, f := range s.fwds {
		out[i] = f.spec
		out[i].Listen = f.ln.Addr().(*net.TCPAddr).AddrPort()
	}
	return out
}

// Serve accepts and carries connections on every forward until Close.
func (s *Set) Serve() {
	for _, f := range s.fwds {
		s.wg.Add(1)
		go s.accept(f)
	}
}

// accept carries each connection of f in a goroutine of its own.
func (s *Set) accept(f *fwd) {
	defer s.wg.Done()
	for {
		c, err := f.ln.AcceptTCP()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil { // out of files, say: the next accept may work
			logrus.Warnf("%s: accepting a connection: %v", f.spec, err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if !s.track(c) {
			c.Close()
			return
		}
		s.wg.Add(1)
		go s.carry(f, c)
	}
}

// track adds c to the open connections, unless the set is closed.
func (s *Set) track(c io.Closer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// untrack closes c and forgets it.
func (s *Set) untrack(c io.Closer) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// carry dials the other side for the accepted connection c and copies both
// ways until both are done; a failure is this connection's alone.
func (s *Set) carry(f *fwd, c *net.TCPConn) {
	defer s.wg.Done()
	defer s.untrack(c)
	d, err := f.dial()
	if err != nil {
		logrus.Warnf("%s: connection from %s: %v", f.spec, c.RemoteAddr(), err)
		return
	}
	if !s.track(d) {
		d.Close()
		return
	}
	defer s.untrack(d)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.half(f, d, c)
	}()
	s.half(f, c, d)
	<-done
}

// half copies src to dst, then closes dst for writing (half-close): the
// other direction goes on. An error ends the connection both ways.
func (s *Set) half(f *fwd, dst, src Conn) {
	if _, err := io.Copy(dst, src); err != nil {
		logrus.Debugf("%s: a connection: %v", f.spec, err)
		dst.Close()
		src.Close()
		return
	}
	dst.CloseWrite()
}

// Close closes every listener and connection and waits until every
// goroutine of the set has ended.
func (s *Set) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	for _, f := range s.fwds {
		f.ln.Close()
	}
	s.wg.Wait()
	s.ns.Close()
}
