package streammux

import (
	"errors"
	"io"
	"sync"
)

// Stream is one connection carried by a Mux: Read, Write, CloseWrite
// (half-close) and Close, as a TCP connection has them.
type Stream struct {
	m       *Mux
	id      uint32
	Forward uint16 // the forward it belongs to (Open's fwd)

	in   chan []byte // Data from the peer; closed at its EOF
	rest []byte      // what Read has not returned of the last chunk
	eof  bool        // the peer's EOF came (touched by Run only)

	endOnce  sync.Once
	ended    chan struct{} // closed by Close, the peer's Close or the end of Run
	why      string
	wmu      sync.Mutex
	wroteEOF bool
}

func newStream(m *Mux, id uint32, fwd uint16) *Stream {
	return &Stream{m: m, id: id, Forward: fwd, in: make(chan []byte, inQueue), ended: make(chan struct{})}
}

// deliver queues a Data frame's bytes for Read (Run only).
func (s *Stream) deliver(b []byte) error {
	if s.eof {
		return errors.New("data after the end of a stream")
	}
	select {
	case s.in <- b:
	case <-s.ended: // closed here meanwhile: drop it
	}
	return nil
}

// deliverEOF ends the peer's side for Read (Run only).
func (s *Stream) deliverEOF() error {
	if s.eof {
		return errors.New("a stream ended twice")
	}
	s.eof = true
	close(s.in)
	return nil
}

// end marks the stream over, with why.
func (s *Stream) end(why string) {
	s.endOnce.Do(func() {
		s.why = why
		close(s.ended)
	})
}

// Read reads what the peer wrote; io.EOF after its CloseWrite. What came
// before the stream ended is read first.
func (s *Stream) Read(p []byte) (int, error) {
	if len(s.rest) == 0 {
		b, err := s.next()
		if err != nil {
			return 0, err
		}
		s.rest = b
	}
	n := copy(p, s.rest)
	s.rest = s.rest[n:]
	return n, nil
}

// next is the next chunk the peer sent: queued chunks before the end.
func (s *Stream) next() ([]byte, error) {
	select {
	case b, ok := <-s.in:
		return chunk(b, ok)
	default:
	}
	select {
	case b, ok := <-s.in:
		return chunk(b, ok)
	case <-s.ended:
	}
	select {
	case b, ok := <-s.in: // arrived as the stream ended
		return chunk(b, ok)
	default:
		return nil, s.closedErr()
	}
}

// chunk is a receive from in: a chunk, or io.EOF once in is closed.
func chunk(b []byte, ok bool) ([]byte, error) {
	if !ok {
		return nil, io.EOF
	}
	return b, nil
}

// Write sends p in frames of at most MaxPayload bytes.
func (s *Stream) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	written := 0
	for len(p) > 0 {
		select {
		case <-s.ended:
			return written, s.closedErr()
		default:
		}
		if s.wroteEOF {
			return written, errors.New("write after CloseWrite")
		}
		n := min(len(p), MaxPayload)
		if err := s.m.send(Frame{Kind: KindData, Stream: s.id, Payload: p[:n]}); err != nil {
			return written, err
		}
		written, p = written+n, p[n:]
	}
	return written, nil
}

// CloseWrite tells the peer that nothing more will be written (its Read
// returns io.EOF); reading goes on.
func (s *Stream) CloseWrite() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wroteEOF {
		return nil
	}
	s.wroteEOF = true
	return s.m.send(Frame{Kind: KindEOF, Stream: s.id})
}

// Close ends the stream both ways.
func (s *Stream) Close() error { return s.CloseWithReason("") }

// CloseWithReason ends the stream both ways and tells the peer why (a dial
// that failed, say); the reason is cut to what a Close frame carries.
func (s *Stream) CloseWithReason(why string) error {
	first := false
	s.endOnce.Do(func() {
		first = true
		s.why = "closed"
		close(s.ended)
	})
	if !first {
		return nil // closed already, by either side
	}
	s.m.forget(s.id)
	if len(why) > maxReason {
		why = why[:maxReason]
	}
	return s.m.send(Frame{Kind: KindClose, Stream: s.id, Payload: []byte(why)})
}

// Reason is why the stream ended, once it has.
func (s *Stream) Reason() string {
	select {
	case <-s.ended:
		return s.why
	default:
		return ""
	}
}

func (s *Stream) closedErr() error {
	return &closedError{why: s.why}
}

// closedError is ErrClosed with why.
type closedError struct{ why string }

func (e *closedError) Error() string        { return "stream " + e.why }
func (e *closedError) Is(target error) bool { return target == ErrClosed }
