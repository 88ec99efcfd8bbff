// Package streammux carries many TCP-like streams, each with half-close,
// over one byte stream: kubectl nsj -R's connections over the stdin and
// stdout of one exec into the nsj agent (docs/forward.md). Pure Go, no cgo:
// kubectl-nsj is built with CGO_ENABLED=0.
//
// The wire is a sequence of frames, each a 9-byte header (kind, stream ID
// as a big-endian uint32, payload length as a big-endian uint32) and the
// payload:
//
//	Open  (1): a new stream; payload: the forward's index, big-endian uint16
//	Data  (2): bytes of the stream, 1 to MaxPayload of them
//	EOF   (3): the sender will write no more on the stream (half-close)
//	Close (4): the stream is over both ways; payload: why, if it failed
//
// The side that opens streams uses odd IDs; IDs are never reused.
package streammux

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Kind is the kind of a frame.
type Kind byte

const (
	KindOpen  Kind = 1
	KindData  Kind = 2
	KindEOF   Kind = 3
	KindClose Kind = 4
)

// MaxPayload bounds a frame's payload, so that a decoder never allocates
// more for one frame.
const MaxPayload = 32 << 10

// maxReason bounds a Close frame's reason.
const maxReason = 512

const headerLen = 9

// Frame is one frame.
type Frame struct {
	Kind    Kind
	Stream  uint32
	Payload []byte
}

// Encode appends f's wire form to b.
func (f Frame) Encode(b []byte) []byte {
	b = append(b, byte(f.Kind))
	b = binary.BigEndian.AppendUint32(b, f.Stream)
	b = binary.BigEndian.AppendUint32(b, uint32(len(f.Payload)))
	return append(b, f.Payload...)
}

// ReadFrame reads one frame from r, checking it: a known kind, stream ID
// not 0, a payload of the size its kind allows. buf is reused for the
// payload when large enough. io.EOF means r ended between frames.
func ReadFrame(r io.Reader, buf []byte) (Frame, error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return Frame{}, fmt.Errorf("a frame's header cut short: %w", err)
		}
		return Frame{}, err
	}
	f := Frame{Kind: Kind(h[0]), Stream: binary.BigEndian.Uint32(h[1:5])}
	n := binary.BigEndian.Uint32(h[5:9])
	if err := check(f.Kind, f.Stream, n); err != nil {
		return Frame{}, err
	}
	if uint32(cap(buf)) < n {
		buf = make([]byte, n)
	}
	f.Payload = buf[:n]
	if _, err := io.ReadFull(r, f.Payload); err != nil {
		return Frame{}, fmt.Errorf("a frame's payload cut short (%d bytes announced): %w", n, noEOF(err))
	}
	return f, nil
}

// check refuses a header that no encoder of this package writes.
func check(k Kind, stream, n uint32) error {
	if stream == 0 {
		return fmt.Errorf("frame for stream 0")
	}
	var ok bool
	switch k {
	case KindOpen:
		ok = n == 2
	case KindData:
		ok = n >= 1 && n <= MaxPayload
	case KindEOF:
		ok = n == 0
	case KindClose:
		ok = n <= maxReason
	default:
		return fmt.Errorf("unknown frame kind %d", k)
	}
	if !ok {
		return fmt.Errorf("frame kind %d with a %d-byte payload", k, n)
	}
	return nil
}

// noEOF turns a bare EOF inside a frame into ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
