package containerd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"golang.org/x/net/http2/hpack"
)

// Conn carries unary gRPC calls to containerd over one HTTP/2
// connection (cleartext, over the unix socket), one call at a time.
//
// It is the part of gRPC that nsj needs, written out, so that nsj does not
// link grpc-go and the protobuf runtime: every linked package initialises
// on every run, -t PID included, and those two cost more of nsj's start-up
// than the rest of the run's Go code (docs/design.md, "Speed"). The frames
// are HTTP/2's (RFC 9113), the headers are HPACK-coded by x/net's hpack,
// the messages are gRPC's length-prefixed protobuf (wiremsg.go).
type Conn struct {
	dial func(ctx context.Context) (net.Conn, error)

	mu     sync.Mutex
	c      net.Conn // nil until the first call, and after a broken one
	r      *bufio.Reader
	enc    *hpack.Encoder
	encBuf bytes.Buffer
	dec    *hpack.Decoder
	nextID uint32
	recv   uint32 // DATA received since the connection window was last restored
}

// HTTP/2 frame types and flags (RFC 9113, section 6).
const (
	frameData         = 0x0
	frameHeaders      = 0x1
	frameRSTStream    = 0x3
	frameSettings     = 0x4
	framePing         = 0x6
	frameGoAway       = 0x7
	frameWindowUpdate = 0x8
	frameContinuation = 0x9

	flagEndStream  = 0x1
	flagAck        = 0x1
	flagEndHeaders = 0x4
	flagPadded     = 0x8
	flagPriority   = 0x20

	// maxFrame is the largest frame nsj sends or accepts: HTTP/2's
	// default SETTINGS_MAX_FRAME_SIZE, which neither side raises.
	maxFrame = 16384
	// window is nsj's receive window, per stream and for the connection:
	// large enough that a call never waits for a WINDOW_UPDATE.
	window = 1 << 30
)

// NewConn returns the connection that dial opens on its first call.
func NewConn(dial func(ctx context.Context) (net.Conn, error)) *Conn {
	return &Conn{dial: dial}
}

// clientPreface opens the connection: HTTP/2's preface, nsj's settings
// (SETTINGS_INITIAL_WINDOW_SIZE = window) and the connection window.
var clientPreface = func() []byte {
	b := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	b = appendFrame(b, frameSettings, 0, 0, binary.BigEndian.AppendUint32([]byte{0, 4}, window))
	return appendFrame(b, frameWindowUpdate, 0, 0, binary.BigEndian.AppendUint32(nil, window-65535))
}()

func appendFrame(b []byte, typ, flags byte, stream uint32, payload []byte) []byte {
	n := len(payload)
	b = append(b, byte(n>>16), byte(n>>8), byte(n), typ, flags)
	b = binary.BigEndian.AppendUint32(b, stream&0x7fffffff)
	return append(b, payload...)
}

// call makes the unary call method (/package.Service/Method) in containerd
// namespace ns ("" for none) and returns the response message. Errors the
// server sent are native errdefs errors (see statusError); the others are
// about the connection, which is then closed (the next call dials again).
func (w *Conn) call(ctx context.Context, ns, method string, req []byte) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(req)+5 > maxFrame {
		return nil, fmt.Errorf("%s: request of %d bytes is too large", method, len(req))
	}
	var out []byte
	if w.c == nil {
		c, err := w.dial(ctx)
		if err != nil {
			return nil, fmt.Errorf("connect: %w: %w", err, errdefs.ErrUnavailable)
		}
		w.c, w.r, w.nextID, w.recv = c, bufio.NewReader(c), 1, 0
		w.enc, w.dec = hpack.NewEncoder(&w.encBuf), hpack.NewDecoder(4096, nil)
		out = append(out, clientPreface...)
	}
	deadline, _ := ctx.Deadline()
	w.c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { w.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	resp, err := w.roundTrip(out, ns, method, req)
	var se *statusError
	if err != nil && !errors.As(err, &se) {
		w.c.Close()
		w.c = nil
		switch {
		case ctx.Err() != nil:
			err = fmt.Errorf("%s: %w", method, ctx.Err())
		case errors.Is(err, os.ErrDeadlineExceeded):
			err = fmt.Errorf("%s: %w", method, context.DeadlineExceeded)
		default:
			err = fmt.Errorf("%s: %w: %w", method, err, errdefs.ErrUnavailable)
		}
	}
	return resp, err
}

// roundTrip sends out (the preface, on a new connection) and the request's
// frames, then reads frames until the call's stream ends.
func (w *Conn) roundTrip(out []byte, ns, method string, req []byte) ([]byte, error) {
	id := w.nextID
	w.nextID += 2
	if w.recv > window/2 { // each stream has a fresh window; the connection's is restored
		out = appendFrame(out, frameWindowUpdate, 0, 0, binary.BigEndian.AppendUint32(nil, w.recv))
		w.recv = 0
	}
	w.encBuf.Reset()
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", method},
		{":authority", "localhost"}, {"content-type", "application/grpc"}, {"te", "trailers"}} {
		w.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	if ns != "" {
		w.enc.WriteField(hpack.HeaderField{Name: namespaceHeader, Value: ns})
	}
	out = appendFrame(out, frameHeaders, flagEndHeaders, id, w.encBuf.Bytes())
	msg := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(req)))
	out = appendFrame(out, frameData, flagEndStream, id, append(msg, req...))
	if _, err := w.c.Write(out); err != nil {
		return nil, err
	}
	var s stream
	for !s.ended {
		if err := w.readFrame(id, &s); err != nil {
			return nil, err
		}
	}
	return s.result()
}

// stream is what has arrived of a call's response.
type stream struct {
	headers map[string]string // the headers and trailers, merged
	block   []byte            // a header block awaiting its CONTINUATION
	endNext bool              // the block ends the stream
	body    []byte
	ended   bool
}

// readFrame reads one frame and applies it: to s if it belongs to stream id.
func (w *Conn) readFrame(id uint32, s *stream) error {
	var h [9]byte
	if _, err := io.ReadFull(w.r, h[:]); err != nil {
		return fmt.Errorf("read from containerd: %w", err)
	}
	n := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
	typ, flags, sid := h[3], h[4], binary.BigEndian.Uint32(h[5:])&0x7fffffff
	if n > maxFrame {
		if isHTTP1(h[:]) {
			return readHTTP1Answer(h[:], w.r)
		}
		return fmt.Errorf("containerd sent a frame of %d bytes (not HTTP/2?)", n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(w.r, p); err != nil {
		return fmt.Errorf("read from containerd: %w", err)
	}
	switch typ {
	case frameSettings:
		if flags&flagAck == 0 {
			_, err := w.c.Write(appendFrame(nil, frameSettings, flagAck, 0, nil))
			return err
		}
	case framePing:
		if flags&flagAck == 0 {
			_, err := w.c.Write(appendFrame(nil, framePing, flagAck, 0, p))
			return err
		}
	case frameGoAway:
		return errors.New("containerd closed the connection (GOAWAY)")
	case frameRSTStream:
		if sid == id {
			return fmt.Errorf("containerd reset the call (HTTP/2 error %d)", binary.BigEndian.Uint32(append(p, 0, 0, 0, 0)))
		}
	case frameHeaders, frameContinuation:
		return w.headerFrame(typ, flags, sid == id, p, s)
	case frameData:
		w.recv += uint32(n)
		if sid == id {
			p, err := unpad(flags, p)
			s.body = append(s.body, p...)
			s.ended = flags&flagEndStream != 0
			return err
		}
	}
	return nil
}

// headerFrame gathers a header block and decodes it when it is whole. Every
// block is decoded, mine or not, to keep HPACK's dynamic table in step.
func (w *Conn) headerFrame(typ, flags byte, mine bool, p []byte, s *stream) error {
	if typ == frameHeaders {
		var err error
		if p, err = unpad(flags, p); err != nil {
			return err
		}
		if flags&flagPriority != 0 {
			if len(p) < 5 {
				return errors.New("containerd sent a short HEADERS frame")
			}
			p = p[5:]
		}
		s.endNext = flags&flagEndStream != 0
	}
	s.block = append(s.block, p...)
	if flags&flagEndHeaders == 0 {
		return nil
	}
	fields, err := w.dec.DecodeFull(s.block)
	s.block = nil
	if err != nil || !mine {
		return err
	}
	if s.headers == nil {
		s.headers = map[string]string{}
	}
	for _, f := range fields {
		s.headers[f.Name] = f.Value
	}
	s.ended = s.endNext
	return nil
}

// unpad removes the padding of a DATA or HEADERS frame.
func unpad(flags byte, p []byte) ([]byte, error) {
	if flags&flagPadded == 0 {
		return p, nil
	}
	if len(p) == 0 || int(p[0]) >= len(p) {
		return nil, errors.New("containerd sent a bad padded frame")
	}
	return p[1 : len(p)-int(p[0])], nil
}

// result is the response message, or the gRPC status as an error.
func (s *stream) result() ([]byte, error) {
	if st := s.headers[":status"]; st != "200" {
		return nil, fmt.Errorf("containerd answered with HTTP status %q, not gRPC", st)
	}
	code, ok := s.headers["grpc-status"]
	if !ok {
		return nil, errors.New("containerd's answer has no grpc-status")
	}
	if code != "0" {
		c, _ := strconv.Atoi(code)
		return nil, newStatusError(c, percentDecode(s.headers["grpc-message"]))
	}
	b := s.body
	if len(b) < 5 || b[0] != 0 || int(binary.BigEndian.Uint32(b[1:5])) != len(b)-5 {
		return nil, errors.New("containerd's answer is not one uncompressed gRPC message")
	}
	return b[5:], nil
}

// percentDecode undoes gRPC's percent-encoding of grpc-message.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Close closes the connection, if any.
func (w *Conn) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.c == nil {
		return nil
	}
	err := w.c.Close()
	w.c = nil
	return err
}
