package streammux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// inQueue is how many Data frames of a stream wait for its reader before
// the mux stops reading (backpressure: a slow reader holds up every
// stream of the mux, and memory stays bounded).
const inQueue = 16

// ErrClosed is the error of a stream's Read and Write once it is closed.
var ErrClosed = errors.New("stream closed")

// Mux is one end of a multiplexed byte stream. Run reads frames until the
// byte stream ends; meanwhile one end opens streams (Open) and the other
// accepts them (Accept): the nsj agent opens one per connection to its -R
// listener, kubectl-nsj accepts them and dials.
type Mux struct {
	accepts bool // this end accepts streams; else it opens them

	r   io.Reader
	w   io.Writer
	wmu sync.Mutex

	mu      sync.Mutex
	streams map[uint32]*Stream
	next    uint32 // the next ID Open uses (odd)
	ended   error  // why Run ended; nil while it runs

	accept chan *Stream
	done   chan struct{}
}

// NewOpener is the end that opens streams: it reads frames from r and
// writes them to w, and refuses a stream the other end opens.
func NewOpener(r io.Reader, w io.Writer) *Mux { return newMux(r, w, false) }

// NewAcceptor is the end that accepts streams (Accept), and opens none.
func NewAcceptor(r io.Reader, w io.Writer) *Mux { return newMux(r, w, true) }

func newMux(r io.Reader, w io.Writer, accepts bool) *Mux {
	return &Mux{accepts: accepts, r: r, w: w, streams: map[uint32]*Stream{}, next: 1,
		accept: make(chan *Stream, 64), done: make(chan struct{})}
}

// Done is closed when Run has ended.
func (m *Mux) Done() <-chan struct{} { return m.done }

// Err is why Run ended (io.EOF: the byte stream ended cleanly).
func (m *Mux) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ended
}

// Run reads frames until the byte stream ends or breaks the protocol, then
// ends every stream; it returns why (io.EOF for a clean end).
func (m *Mux) Run() error {
	buf := make([]byte, MaxPayload)
	var err error
	for err == nil {
		var f Frame
		if f, err = ReadFrame(m.r, buf); err == nil {
			err = m.handle(f)
		}
	}
	m.mu.Lock()
	m.ended = err
	streams := m.streams
	m.streams = map[uint32]*Stream{}
	m.mu.Unlock()
	for _, s := range streams {
		s.end(fmt.Sprintf("the multiplexed stream ended: %v", err))
	}
	close(m.accept)
	close(m.done)
	return err
}

// handle acts on one frame from the peer.
func (m *Mux) handle(f Frame) error {
	m.mu.Lock()
	s := m.streams[f.Stream]
	m.mu.Unlock()
	switch f.Kind {
	case KindOpen:
		return m.opened(f)
	case KindData:
		if s == nil {
			return nil // closed here; the peer will see our Close
		}
		return s.deliver(append([]byte(nil), f.Payload...))
	case KindEOF:
		if s != nil {
			return s.deliverEOF()
		}
	case KindClose:
		if s != nil {
			m.forget(s.id)
			s.end("closed by the other side: " + string(f.Payload))
		}
	}
	return nil
}

// opened registers a stream the peer opened and hands it to Accept.
func (m *Mux) opened(f Frame) error {
	if !m.accepts {
		return fmt.Errorf("the other end opened stream %d, but only this end opens streams", f.Stream)
	}
	m.mu.Lock()
	if _, dup := m.streams[f.Stream]; dup {
		m.mu.Unlock()
		return fmt.Errorf("stream %d opened twice", f.Stream)
	}
	s := newStream(m, f.Stream, binary.BigEndian.Uint16(f.Payload))
	m.streams[f.Stream] = s
	m.mu.Unlock()
	m.accept <- s
	return nil
}

// Open opens a stream for forward index fwd.
func (m *Mux) Open(fwd uint16) (*Stream, error) {
	if m.accepts {
		return nil, errors.New("opening a stream at the accepting end")
	}
	m.mu.Lock()
	if m.ended != nil {
		m.mu.Unlock()
		return nil, fmt.Errorf("opening a stream: %w", m.ended)
	}
	s := newStream(m, m.next, fwd)
	m.next += 2
	m.streams[s.id] = s
	m.mu.Unlock()
	if err := m.send(Frame{Kind: KindOpen, Stream: s.id, Payload: binary.BigEndian.AppendUint16(nil, fwd)}); err != nil {
		m.forget(s.id)
		return nil, err
	}
	return s, nil
}

// Accept returns the next stream the peer opened; io.EOF once Run ended.
func (m *Mux) Accept() (*Stream, error) {
	s, ok := <-m.accept
	if !ok {
		return nil, io.EOF
	}
	return s, nil
}

// send writes one frame, whole, between the others.
func (m *Mux) send(f Frame) error {
	b := f.Encode(make([]byte, 0, headerLen+len(f.Payload)))
	m.wmu.Lock()
	defer m.wmu.Unlock()
	if _, err := m.w.Write(b); err != nil {
		return fmt.Errorf("writing to the multiplexed stream: %w", err)
	}
	return nil
}

func (m *Mux) forget(id uint32) {
	m.mu.Lock()
	delete(m.streams, id)
	m.mu.Unlock()
}
