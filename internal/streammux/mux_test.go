package streammux

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
)

// pair connects an opener and an acceptor, both running.
func pair(t *testing.T) (opener, acceptor *Mux) {
	t.Helper()
	ar, ow := io.Pipe()
	or, aw := io.Pipe()
	opener, acceptor = NewOpener(or, ow), NewAcceptor(ar, aw)
	go opener.Run()
	go acceptor.Run()
	t.Cleanup(func() { ow.Close(); aw.Close() })
	return opener, acceptor
}

// echo answers each accepted stream with what it read, after its EOF.
func echo(m *Mux) {
	for {
		s, err := m.Accept()
		if err != nil {
			return
		}
		go func() {
			defer s.Close()
			io.Copy(s, s)
			s.CloseWrite()
		}()
	}
}

func TestStreamsCarryTheirOwnBytesWithHalfClose(t *testing.T) {
	opener, acceptor := pair(t)
	go echo(acceptor)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := opener.Open(uint16(i))
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			payload := bytes.Repeat([]byte(fmt.Sprint(i, ";")), 10000+i*997) // several frames
			go func() { s.Write(payload); s.CloseWrite() }()
			got, err := io.ReadAll(s)
			if err != nil || !bytes.Equal(got, payload) {
				t.Errorf("stream %d: %d bytes back (%v), want its own %d", i, len(got), err, len(payload))
			}
		}()
	}
	wg.Wait()
}

func TestCloseWithReasonReachesTheOtherEnd(t *testing.T) {
	opener, acceptor := pair(t)
	go func() {
		s, _ := acceptor.Accept()
		if s.Forward != 7 {
			t.Errorf("forward %d, want 7", s.Forward)
		}
		s.CloseWithReason("dial tcp 127.0.0.1:9: connection refused")
	}()
	s, err := opener.Open(7)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Read(make([]byte, 1))
	if !errors.Is(err, ErrClosed) || s.Reason() != "closed by the other side: dial tcp 127.0.0.1:9: connection refused" {
		t.Errorf("read after the other end's close: %v, reason %q", err, s.Reason())
	}
}

func TestAnOpenFromTheAcceptingEndIsRefused(t *testing.T) {
	b := Frame{Kind: KindOpen, Stream: 1, Payload: []byte{0, 0}}.Encode(nil)
	m := NewOpener(bytes.NewReader(b), io.Discard)
	if err := m.Run(); err == nil || err == io.EOF {
		t.Errorf("an opener that was sent an Open: %v, want a protocol error", err)
	}
}

func TestTheEndOfTheByteStreamEndsEveryStream(t *testing.T) {
	r, w := io.Pipe()
	m := NewOpener(r, io.Discard)
	go m.Run()
	s, err := m.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := s.Read(make([]byte, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("read after the byte stream ended: %v", err)
	}
	if _, err := m.Open(0); err == nil {
		t.Error("Open after the end succeeded")
	}
}

// FuzzReadFrame: any bytes decode to a valid frame or an error, never a
// panic or an allocation beyond MaxPayload; a decoded frame encodes back
// to the bytes it came from.
func FuzzReadFrame(f *testing.F) {
	f.Add(Frame{Kind: KindData, Stream: 3, Payload: []byte("hello")}.Encode(nil))
	f.Add(Frame{Kind: KindOpen, Stream: 1, Payload: []byte{0, 2}}.Encode(nil))
	f.Add([]byte{2, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		fr, err := ReadFrame(r, nil)
		if err != nil {
			return
		}
		if len(fr.Payload) > MaxPayload {
			t.Fatalf("payload of %d bytes", len(fr.Payload))
		}
		used := len(b) - r.Len()
		if got := fr.Encode(nil); !bytes.Equal(got, b[:used]) {
			t.Fatalf("re-encoded %x, read from %x", got, b[:used])
		}
	})
}

// FuzzMux: a mux fed any bytes ends (at their end) without a panic.
func FuzzMux(f *testing.F) {
	var seed []byte
	seed = Frame{Kind: KindOpen, Stream: 1, Payload: []byte{0, 0}}.Encode(seed)
	seed = Frame{Kind: KindData, Stream: 1, Payload: []byte("x")}.Encode(seed)
	seed = Frame{Kind: KindEOF, Stream: 1}.Encode(seed)
	seed = Frame{Kind: KindClose, Stream: 1, Payload: []byte("bye")}.Encode(seed)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		m := NewAcceptor(bytes.NewReader(b), io.Discard)
		go func() { // a consumer that reads a little of each stream
			for {
				s, err := m.Accept()
				if err != nil {
					return
				}
				go func() { s.Read(make([]byte, 4)); s.Close() }()
			}
		}()
		m.Run()
	})
}
