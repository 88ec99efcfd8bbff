package containerd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/http2/hpack"
)

// stream is one call: what nsj may still send on it, and what has arrived
// of its answer.
type stream struct {
	id         uint32
	each       func(msg []byte) error // takes each message of the answer
	sendWindow int64                  // flow-control window for nsj's DATA
	recv       uint32                 // DATA received since its window was last restored

	headers   map[string]string // the headers and trailers, merged
	started   bool              // a frame of the answer arrived
	ended     bool
	delivered bool // a message was handed to each: the call cannot be made again

	prefix  [5]byte // gRPC's message prefix: compressed flag, length
	nPrefix int     // bytes of prefix read
	msg     []byte  // the message being read, once its prefix is whole
	fill    int     // bytes of msg read
}

// send sends the call's headers and its request message, within the
// server's flow-control windows and frame size.
func (w *Conn) send(ns, method string, req []byte, s *stream) error {
	w.encBuf.Reset()
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", method},
		{":authority", "localhost"}, {"content-type", "application/grpc"}, {"te", "trailers"}} {
		w.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	if ns != "" {
		w.enc.WriteField(hpack.HeaderField{Name: namespaceHeader, Value: ns})
	}
	if w.encBuf.Len() > maxFrame {
		return fmt.Errorf("request headers of %d bytes are too large (namespace %q)", w.encBuf.Len(), ns)
	}
	out := appendFrame(w.pending, frameHeaders, flagEndHeaders, s.id, w.encBuf.Bytes())
	w.pending = nil
	msg := append(binary.BigEndian.AppendUint32([]byte{0}, uint32(len(req))), req...)
	for len(msg) > 0 {
		n := int(min(int64(len(msg)), w.sendWindow, s.sendWindow, int64(w.peerFrame)))
		if n <= 0 { // wait for a WINDOW_UPDATE or SETTINGS
			if err := w.flush(&out); err != nil {
				return err
			}
			if err := w.readFrame(s); err != nil || s.ended {
				return err
			}
			continue
		}
		var flags byte
		if n == len(msg) {
			flags = flagEndStream
		}
		out = appendFrame(out, frameData, flags, s.id, msg[:n])
		msg, w.sendWindow, s.sendWindow = msg[n:], w.sendWindow-int64(n), s.sendWindow-int64(n)
	}
	return w.flush(&out)
}

// flush writes out, and empties it.
func (w *Conn) flush(out *[]byte) error {
	if len(*out) == 0 {
		return nil
	}
	_, err := w.c.Write(*out)
	*out = (*out)[:0]
	return err
}

// headerFrame decodes a header block, frame by frame (HPACK's decoder
// keeps what a frame leaves unfinished). Every block is decoded, s's or
// not, to keep HPACK's dynamic table in step.
func (w *Conn) headerFrame(typ, flags byte, sid uint32, p []byte, s *stream) error {
	if typ == frameContinuation {
		if !w.inBlock || sid != w.blockID {
			return errors.New("containerd sent a stray CONTINUATION frame (HTTP/2 protocol error)")
		}
	} else {
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
		w.startBlock(sid, flags&flagEndStream != 0, s)
	}
	if w.blockLen += len(p); w.blockLen > maxHeaderBlock {
		return fmt.Errorf("%w: containerd sent a header block over nsj's limit of %d bytes", errTooLarge, maxHeaderBlock)
	}
	_, err := w.dec.Write(p)
	if err == nil && flags&flagEndHeaders != 0 {
		w.inBlock = false
		err = w.dec.Close()
		if w.headers != nil {
			s.ended = w.blockEnd
		}
	}
	switch {
	case w.listSize > maxHeaderBlock:
		return fmt.Errorf("%w: containerd sent headers over nsj's limit of %d bytes", errTooLarge, maxHeaderBlock)
	case err != nil:
		return fmt.Errorf("containerd sent a bad header block: %w", err)
	}
	return nil
}

// startBlock readies the decoding of a header block of stream sid: into
// s's headers, if it is s's.
func (w *Conn) startBlock(sid uint32, endStream bool, s *stream) {
	w.inBlock, w.blockID, w.blockEnd, w.blockLen = true, sid, endStream, 0
	w.headers, w.listSize = nil, 0
	w.dec.SetEmitEnabled(true)
	if sid == s.id && !s.ended {
		if s.headers == nil {
			s.headers = map[string]string{}
		}
		w.headers, s.started = s.headers, true
	}
}

// emit takes a decoded header field, bounding the header list's size (HPACK
// can name a large table entry in one byte).
func (w *Conn) emit(f hpack.HeaderField) {
	w.listSize += int(f.Size())
	if w.listSize > maxHeaderBlock {
		w.dec.SetEmitEnabled(false)
		return
	}
	if w.headers != nil {
		w.headers[f.Name] = f.Value
	}
}

// data takes a DATA frame: s's messages, and the flow-control windows of
// the connection and s, which it restores once half is used.
func (w *Conn) data(flags byte, sid uint32, p []byte, s *stream) error {
	w.recv += uint32(len(p))
	var out []byte
	if w.recv > window/2 {
		out = appendFrame(out, frameWindowUpdate, 0, 0, binary.BigEndian.AppendUint32(nil, w.recv))
		w.recv = 0
	}
	var err error
	if sid == s.id && !s.ended {
		if s.headers == nil {
			return errors.New("containerd sent DATA before HEADERS (HTTP/2 protocol error)")
		}
		if s.recv += uint32(len(p)); s.recv > window/2 && flags&flagEndStream == 0 {
			out = appendFrame(out, frameWindowUpdate, 0, s.id, binary.BigEndian.AppendUint32(nil, s.recv))
			s.recv = 0
		}
		if p, err = unpad(flags, p); err == nil {
			err = s.feed(p)
		}
		s.ended = flags&flagEndStream != 0
	}
	w.reply(out)
	return err
}

// feed reads gRPC messages (a flag byte, a 4-byte length, the message) out
// of the DATA p, and hands each whole one to s.each.
func (s *stream) feed(p []byte) error {
	for len(p) > 0 {
		if s.msg == nil {
			k := copy(s.prefix[s.nPrefix:], p)
			s.nPrefix, p = s.nPrefix+k, p[k:]
			if s.nPrefix < len(s.prefix) {
				return nil
			}
			if s.prefix[0] != 0 {
				return errors.New("containerd sent a compressed gRPC message, which nsj did not ask for")
			}
			n := binary.BigEndian.Uint32(s.prefix[1:])
			if n > MaxMessage {
				return fmt.Errorf("%w: containerd sent a message of %d bytes, over nsj's limit of %d (16 MiB, as ctr's)", errTooLarge, n, MaxMessage)
			}
			s.msg, s.fill = make([]byte, n), 0
		}
		k := copy(s.msg[s.fill:], p)
		s.fill, p = s.fill+k, p[k:]
		if s.fill == len(s.msg) {
			msg := s.msg
			s.msg, s.nPrefix, s.delivered = nil, 0, true
			if err := s.each(msg); err != nil {
				return fmt.Errorf("read containerd's answer: %w", err)
			}
		}
	}
	return nil
}

// result is nil, or the gRPC status of the answer as an error.
func (s *stream) result() error {
	if st := s.headers[":status"]; st != "200" {
		return fmt.Errorf("containerd answered with HTTP status %q, not gRPC", st)
	}
	code, ok := s.headers["grpc-status"]
	if !ok {
		return errors.New("containerd's answer has no grpc-status")
	}
	if code != "0" {
		c, _ := strconv.Atoi(code)
		return newStatusError(c, percentDecode(s.headers["grpc-message"]))
	}
	if s.msg != nil || s.nPrefix != 0 {
		return errors.New("containerd's answer ends inside a gRPC message")
	}
	return nil
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
