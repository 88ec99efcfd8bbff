package containerd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// HTTP/2 frame types, flags, settings and error codes (RFC 9113, sections
// 6, 6.5.2 and 7).
const (
	frameData         = 0x0
	frameHeaders      = 0x1
	frameRSTStream    = 0x3
	frameSettings     = 0x4
	framePushPromise  = 0x5
	framePing         = 0x6
	frameGoAway       = 0x7
	frameWindowUpdate = 0x8
	frameContinuation = 0x9

	flagEndStream  = 0x1
	flagAck        = 0x1
	flagEndHeaders = 0x4
	flagPadded     = 0x8
	flagPriority   = 0x20

	settingHeaderTableSize   = 0x1
	settingEnablePush        = 0x2
	settingInitialWindowSize = 0x4
	settingMaxFrameSize      = 0x5
	settingMaxHeaderListSize = 0x6

	codeRefusedStream = 0x7

	frameHeaderLen = 9
)

// Sizes nsj accepts, and its windows.
const (
	// maxFrame is the largest frame nsj accepts: HTTP/2's default
	// SETTINGS_MAX_FRAME_SIZE, which nsj does not raise.
	maxFrame = 16384
	// MaxMessage bounds each gRPC message nsj accepts: 16 MiB, as
	// containerd's own client and ctr set it (containerd's
	// defaults.DefaultMaxRecvMsgSize; grpc-go's default is 4 MiB).
	// containerd's server sends no larger message either.
	MaxMessage = 16 << 20
	// maxHeaderBlock bounds a header block with its CONTINUATION frames:
	// grpc-go's client default for the header list (16 MiB).
	maxHeaderBlock = 16 << 20
	// window is nsj's receive window, per stream and for the connection,
	// restored once half is used: large enough that the server seldom
	// waits for a WINDOW_UPDATE.
	window = 1 << 30
	// defaultWindow is HTTP/2's initial window, until SETTINGS say otherwise.
	defaultWindow = 65535
)

// clientPreface opens the connection: HTTP/2's preface, nsj's settings (no
// server push, its receive window, its largest header list) and its
// connection window.
var clientPreface = func() []byte {
	b := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	var set []byte
	for _, kv := range [][2]uint32{{settingEnablePush, 0}, {settingInitialWindowSize, window}, {settingMaxHeaderListSize, maxHeaderBlock}} {
		set = binary.BigEndian.AppendUint16(set, uint16(kv[0]))
		set = binary.BigEndian.AppendUint32(set, kv[1])
	}
	b = appendFrame(b, frameSettings, 0, 0, set)
	return appendFrame(b, frameWindowUpdate, 0, 0, binary.BigEndian.AppendUint32(nil, window-defaultWindow))
}()

func appendFrame(b []byte, typ, flags byte, stream uint32, payload []byte) []byte {
	n := len(payload)
	b = append(b, byte(n>>16), byte(n>>8), byte(n), typ, flags)
	b = binary.BigEndian.AppendUint32(b, stream&0x7fffffff)
	return append(b, payload...)
}

// Errors after which a call may be made again (Conn.Call), and the others.
var (
	errRefused  = errors.New("containerd refused the call's stream (REFUSED_STREAM)")
	errGoneAway = errors.New("containerd closed the connection before taking the call (GOAWAY)")
	errTooLarge = errors.New("answer too large")
)

// readFrame reads one frame and applies it: to s if it belongs to s's stream.
func (w *Conn) readFrame(s *stream) error {
	var h [frameHeaderLen]byte
	if _, err := io.ReadFull(w.r, h[:]); err != nil {
		return fmt.Errorf("read from containerd: %w", err)
	}
	n := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
	typ, flags, sid := h[3], h[4], binary.BigEndian.Uint32(h[5:])&0x7fffffff
	if n > maxFrame {
		if isHTTP1(h[:]) {
			return readHTTP1Answer(h[:], w.r)
		}
		return fmt.Errorf("containerd sent a frame of %d bytes, more than the %d HTTP/2 allows (not HTTP/2?)", n, maxFrame)
	}
	if cap(w.frame) < n {
		w.frame = make([]byte, maxFrame)
	}
	p := w.frame[:n]
	if _, err := io.ReadFull(w.r, p); err != nil {
		return fmt.Errorf("read from containerd: %w", err)
	}
	if w.inBlock && typ != frameContinuation {
		return errors.New("containerd interrupted a header block (HTTP/2 protocol error)")
	}
	switch typ {
	case frameSettings:
		return w.settings(flags, p, s)
	case framePing:
		return w.ping(flags, p)
	case frameGoAway:
		return w.goAway(p, s)
	case frameRSTStream:
		return w.reset(sid, p, s)
	case frameWindowUpdate:
		return w.windowUpdate(sid, p, s)
	case frameHeaders, frameContinuation:
		return w.headerFrame(typ, flags, sid, p, s)
	case frameData:
		return w.data(flags, sid, p, s)
	case framePushPromise:
		return errors.New("containerd promised a push, which nsj disabled (HTTP/2 protocol error)")
	}
	return nil // PRIORITY and unknown types are ignored (RFC 9113, 4.1, 5.3.2)
}

// settings applies the server's SETTINGS and acknowledges them.
func (w *Conn) settings(flags byte, p []byte, s *stream) error {
	if flags&flagAck != 0 {
		return nil
	}
	if len(p)%6 != 0 {
		return errors.New("containerd sent a bad SETTINGS frame")
	}
	for ; len(p) > 0; p = p[6:] {
		v := binary.BigEndian.Uint32(p[2:6])
		switch binary.BigEndian.Uint16(p) {
		case settingHeaderTableSize: // the table nsj's HPACK encoder may use
			w.enc.SetMaxDynamicTableSizeLimit(v)
		case settingInitialWindowSize:
			if v > 1<<31-1 {
				return errors.New("containerd set a flow-control window over 2^31-1")
			}
			s.sendWindow += int64(v) - w.initWindow // open streams follow (6.9.2)
			w.initWindow = int64(v)
		case settingMaxFrameSize:
			if v < maxFrame || v > 1<<24-1 {
				return fmt.Errorf("containerd set a bad SETTINGS_MAX_FRAME_SIZE %d", v)
			}
			w.peerFrame = int(v)
		}
	}
	w.reply(appendFrame(nil, frameSettings, flagAck, 0, nil))
	return nil
}

// reply writes an acknowledgement or a WINDOW_UPDATE. If it cannot be
// written, the server has closed the connection, perhaps having sent the
// whole answer first: the answer is read on, and the connection is not
// used again.
func (w *Conn) reply(frames []byte) {
	if len(frames) == 0 {
		return
	}
	if _, err := w.c.Write(frames); err != nil {
		w.goingAway = true
	}
}

// ping answers a PING.
func (w *Conn) ping(flags byte, p []byte) error {
	if len(p) != 8 {
		return errors.New("containerd sent a bad PING frame")
	}
	if flags&flagAck != 0 {
		return nil
	}
	w.reply(appendFrame(nil, framePing, flagAck, 0, p))
	return nil
}

// goAway notes that the server takes no new streams. A stream it did not
// take (above its last-stream-id) fails with errGoneAway, to be retried;
// one it took goes on to its end.
func (w *Conn) goAway(p []byte, s *stream) error {
	if len(p) < 8 {
		return errors.New("containerd sent a bad GOAWAY frame")
	}
	w.goingAway = true
	w.lastStream = binary.BigEndian.Uint32(p) & 0x7fffffff
	if !s.ended && s.id > w.lastStream {
		return errGoneAway
	}
	return nil
}

// reset ends s if the server reset it.
func (w *Conn) reset(sid uint32, p []byte, s *stream) error {
	if len(p) != 4 {
		return errors.New("containerd sent a bad RST_STREAM frame")
	}
	if sid != s.id || s.ended {
		return nil
	}
	if code := binary.BigEndian.Uint32(p); code != codeRefusedStream {
		return fmt.Errorf("containerd reset the call (HTTP/2 error %d)", code)
	}
	return errRefused
}

// windowUpdate widens the connection's or s's send window.
func (w *Conn) windowUpdate(sid uint32, p []byte, s *stream) error {
	if len(p) != 4 {
		return errors.New("containerd sent a bad WINDOW_UPDATE frame")
	}
	inc := int64(binary.BigEndian.Uint32(p) & 0x7fffffff)
	switch {
	case sid == 0:
		w.sendWindow += inc
	case sid == s.id:
		s.sendWindow += inc
	}
	if w.sendWindow > 1<<31-1 || s.sendWindow > 1<<31-1 {
		return errors.New("containerd overflowed a flow-control window (HTTP/2 error)")
	}
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
