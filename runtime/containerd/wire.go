package containerd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/containerd/errdefs"
	"golang.org/x/net/http2/hpack"
	"golang.org/x/sys/unix"
)

// Conn carries gRPC calls to containerd over one HTTP/2 connection
// (cleartext, over the unix socket), one call at a time: unary calls and
// server-streaming ones (Containers/ListStream).
//
// It is the part of gRPC that nsj needs, written out, so that nsj does not
// link grpc-go and the protobuf runtime: every linked package initialises
// on every run, -t PID included, and those two cost more of nsj's start-up
// than the rest of the run's Go code (docs/design.md, "Speed"). The frames
// are HTTP/2's (RFC 9113; frame.go), the headers are HPACK-coded by x/net's
// hpack, the messages are gRPC's length-prefixed protobuf (stream.go,
// wiremsg.go). docs/design.md says which parts of HTTP/2 and gRPC it
// implements, and why the rest is not needed with containerd.
type Conn struct {
	dial    func(ctx context.Context) (net.Conn, error)
	dialErr error // the last dial's; nil: it connected, or none was made

	mu     sync.Mutex
	c      net.Conn // nil until the first call, and after a broken one
	r      *bufio.Reader
	enc    *hpack.Encoder
	encBuf bytes.Buffer
	dec    *hpack.Decoder
	frame  []byte // the payload of the frame last read (reused)
	nextID uint32
	recv   uint32 // DATA received since the connection window was last restored
	calls  int    // calls completed on c

	// What the server said of the connection.
	goingAway  bool   // it sent GOAWAY, or a reply to it failed: c takes no new stream
	lastStream uint32 // the GOAWAY's last-stream-id
	sendWindow int64  // connection flow-control window for nsj's DATA
	initWindow int64  // SETTINGS_INITIAL_WINDOW_SIZE: each new stream's window
	peerFrame  int    // SETTINGS_MAX_FRAME_SIZE: the largest frame it accepts

	pending []byte // the preface, on a new connection, sent with the first request

	inBlock  bool              // a header block awaits its CONTINUATION frames
	blockID  uint32            // the stream of the block
	blockEnd bool              // its HEADERS frame ends the stream
	blockLen int               // its size so far
	headers  map[string]string // where decoded headers go; nil: not nsj's stream
	listSize int               // the size of the header list decoded so far
}

// NewConn returns the connection that dial opens on its first call.
func NewConn(dial func(ctx context.Context) (net.Conn, error)) *Conn {
	return &Conn{dial: dial}
}

// NewSocketConn returns the connection to the containerd whose unix socket
// is at path, dialed on its first call.
func NewSocketConn(path string) *Conn {
	return NewConn(func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	})
}

// DialError is the error of the last dial: why the socket could not be
// reached (refused, denied, gone), which a call's error (Unavailable)
// does not say. nil if it connected, or no call has dialed yet.
func (w *Conn) DialError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dialErr
}

// Call makes the gRPC call method (/package.Service/Method) in containerd
// namespace ns ("" for none) and hands each message of the answer to each,
// in order: one for a unary call, any number for a server-streaming one.
// Errors the server sent are native errdefs errors (see statusError); the
// others are about the connection, which is then closed (the next call
// dials again).
//
// A call that failed before the server took it is made once more, on a
// new connection: after a write or read on a reused connection found it
// closed (containerd restarted since the last call), after GOAWAY naming
// an earlier last stream, and after REFUSED_STREAM. Every call nsj makes is
// a read, so the retry cannot do anything twice.
func (w *Conn) Call(ctx context.Context, ns, method string, req []byte, each func(msg []byte) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(req)+5 > maxFrame {
		return fmt.Errorf("%s: request of %d bytes is too large", method, len(req))
	}
	for attempt := 0; ; attempt++ {
		reused, err := w.ready(ctx)
		if err != nil {
			return w.fail(ctx, method, err)
		}
		s := stream{each: each}
		err = w.attempt(ctx, ns, method, req, &s)
		var se *statusError
		switch {
		case err == nil || errors.As(err, &se):
			w.calls++
			if w.goingAway { // the server finished the stream; it takes no more
				w.closeConn()
			}
			return err
		case s.delivered:
			w.closeConn()
			return fmt.Errorf("%s: %w", method, err)
		case attempt == 0 && ctx.Err() == nil && retryable(err, reused, s.started):
			w.closeConn()
			continue
		}
		return w.fail(ctx, method, err)
	}
}

// retryable says whether a call that failed with err was not taken by the
// server, so that making it again on a new connection is sound.
func retryable(err error, reused, started bool) bool {
	if errors.Is(err, errRefused) || errors.Is(err, errGoneAway) {
		return true
	}
	closed := errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	return reused && !started && closed
}

// fail closes the connection after err and says what happened.
func (w *Conn) fail(ctx context.Context, method string, err error) error {
	w.closeConn()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", method, ctx.Err())
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%s: %w", method, context.DeadlineExceeded)
	case errors.Is(err, errdefs.ErrUnavailable) || errors.Is(err, errTooLarge):
		return fmt.Errorf("%s: %w", method, err)
	}
	return fmt.Errorf("%s: %w: %w", method, err, errdefs.ErrUnavailable)
}

// ready makes sure there is a connection that takes a new stream: it
// handles what the server sent on a reused one since the last call, and
// dials when there is none. reused says that the connection carried a
// call before.
func (w *Conn) ready(ctx context.Context) (reused bool, err error) {
	if w.c != nil {
		w.deadline(ctx)
		if err := w.drain(); err != nil || w.goingAway || w.nextID > 1<<31-2 {
			w.closeConn()
		}
	}
	if w.c != nil {
		return true, nil
	}
	c, err := w.dial(ctx)
	w.dialErr = err
	if err != nil {
		return false, fmt.Errorf("connect: %w: %w", err, errdefs.ErrUnavailable)
	}
	w.c, w.r, w.nextID, w.recv, w.calls = c, bufio.NewReaderSize(c, maxFrame+frameHeaderLen), 1, 0, 0
	w.enc, w.dec = hpack.NewEncoder(&w.encBuf), hpack.NewDecoder(4096, w.emit)
	w.dec.SetMaxStringLength(maxHeaderBlock)
	w.goingAway, w.lastStream, w.inBlock = false, 0, false
	w.sendWindow, w.initWindow, w.peerFrame = defaultWindow, defaultWindow, maxFrame
	w.pending = clientPreface
	w.deadline(ctx)
	return false, nil
}

// deadline makes the connection's reads and writes end with ctx.
func (w *Conn) deadline(ctx context.Context) {
	d, _ := ctx.Deadline()
	w.c.SetDeadline(d)
}

// attempt makes the call once on the current connection.
func (w *Conn) attempt(ctx context.Context, ns, method string, req []byte, s *stream) error {
	c := w.c
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	id := w.nextID
	w.nextID += 2
	s.id, s.sendWindow = id, w.initWindow
	if err := w.send(ns, method, req, s); err != nil {
		return err
	}
	for !s.ended {
		if err := w.readFrame(s); err != nil {
			return err
		}
	}
	return s.result()
}

// drain handles, without waiting, the frames the server sent between calls:
// it answers PINGs and SETTINGS and learns of GOAWAY or a closed connection.
// A connection that cannot be polled (a test's pipe) is not drained.
func (w *Conn) drain() error {
	sc, ok := w.c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	idle := stream{ended: true} // no stream of nsj's is open
	for w.r.Buffered() > 0 || readable(rc) {
		if err := w.readFrame(&idle); err != nil {
			return err
		}
	}
	return nil
}

// readable says whether the connection has something to read (or is closed).
func readable(rc syscall.RawConn) bool {
	n := 0
	rc.Control(func(fd uintptr) {
		n, _ = unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 0)
	})
	return n > 0
}

// closeConn closes the connection, if any; the next call dials again.
func (w *Conn) closeConn() error {
	if w.c == nil {
		return nil
	}
	err := w.c.Close()
	w.c = nil
	return err
}

// Close closes the connection, if any.
func (w *Conn) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closeConn()
}
