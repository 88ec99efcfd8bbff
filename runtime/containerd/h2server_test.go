package containerd

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2conn is one connection of a scripted HTTP/2 server: the tests below
// write the frames a server may send, in the order they choose.
type h2conn struct {
	t   *testing.T
	c   net.Conn
	fr  *http2.Framer
	dec *hpack.Decoder
	enc *hpack.Encoder
	buf bytes.Buffer
}

// scriptedServer serves each connection on a unix socket with the script
// of its number (from 0); it returns a Conn to it and the count of
// connections made.
func scriptedServer(t *testing.T, scripts ...func(h *h2conn)) (*Conn, *atomic.Int32) {
	path := filepath.Join(t.TempDir(), "h2.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var n atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			i := int(n.Add(1)) - 1
			if i >= len(scripts) {
				c.Close()
				continue
			}
			go func() {
				defer c.Close()
				h := &h2conn{t: t, c: c, fr: http2.NewFramer(c, c), dec: hpack.NewDecoder(4096, nil)}
				h.enc = hpack.NewEncoder(&h.buf)
				h.fr.SetMaxReadFrameSize(1 << 24)
				if _, err := io.ReadFull(c, make([]byte, len(http2.ClientPreface))); err != nil {
					return
				}
				h.fr.WriteSettings()
				scripts[i](h)
			}()
		}
	}()
	c := NewConn(func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	})
	t.Cleanup(func() { c.Close() })
	return c, &n
}

// request reads frames until a whole request (HEADERS, then DATA ending
// the stream) and returns its stream and path; frames are handed to
// other first. It returns 0 when the client went away.
func (h *h2conn) request(other func(http2.Frame)) (uint32, string) {
	var path string
	for {
		f, err := h.fr.ReadFrame()
		if err != nil {
			return 0, ""
		}
		switch f := f.(type) {
		case *http2.HeadersFrame:
			fields, err := h.dec.DecodeFull(f.HeaderBlockFragment())
			if err != nil {
				h.t.Errorf("server: client's headers: %v", err)
				return 0, ""
			}
			for _, hf := range fields {
				if hf.Name == ":path" {
					path = hf.Value
				}
			}
		case *http2.DataFrame:
			if f.StreamEnded() {
				return f.StreamID, path
			}
		case *http2.SettingsFrame:
			if !f.IsAck() {
				h.fr.WriteSettingsAck()
			}
		}
		if other != nil {
			other(f)
		}
	}
}

func (h *h2conn) headers(id uint32, end bool, kv ...string) {
	h.buf.Reset()
	for i := 0; i < len(kv); i += 2 {
		h.enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: h.buf.Bytes(), EndHeaders: true, EndStream: end})
}

// answer answers stream id with the gRPC messages msgs and status OK.
func (h *h2conn) answer(id uint32, msgs ...[]byte) {
	h.headers(id, false, ":status", "200", "content-type", "application/grpc")
	for _, m := range msgs {
		h.fr.WriteData(id, false, append(binary.BigEndian.AppendUint32([]byte{0}, uint32(len(m))), m...))
	}
	h.headers(id, true, "grpc-status", "0")
}

// version is a VersionResponse naming v.
func version(v string) []byte { return appendString(nil, 1, v) }

// serveVersions answers n calls with version "v1".
func serveVersions(n int) func(h *h2conn) {
	return func(h *h2conn) {
		for range n {
			id, _ := h.request(nil)
			if id == 0 {
				return
			}
			h.answer(id, version("v1"))
		}
	}
}

func callVersion(t *testing.T, c *Conn) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return NewStore(c).Version(ctx)
}

func wantVersions(t *testing.T, c *Conn, n int) {
	t.Helper()
	for i := range n {
		if v, err := callVersion(t, c); err != nil || v != "v1" {
			t.Fatalf("call %d: got %q, %v", i+1, v, err)
		}
	}
}

// TestRetryAfterTheServerWentAway: a call after the connection closed
// (containerd restarted between two calls) is made on a new connection,
// whether the close is seen before the call or only while making it.
func TestRetryAfterTheServerWentAway(t *testing.T) {
	t.Run("closed after a call", func(t *testing.T) {
		c, dials := scriptedServer(t, serveVersions(1), serveVersions(1))
		wantVersions(t, c, 2)
		if dials.Load() != 2 {
			t.Errorf("%d connections, want 2", dials.Load())
		}
	})
	t.Run("closed on the next request", func(t *testing.T) {
		c, dials := scriptedServer(t, func(h *h2conn) {
			serveVersions(1)(h)
			h.request(nil) // read the second call, then go
		}, serveVersions(1))
		wantVersions(t, c, 2)
		if dials.Load() != 2 {
			t.Errorf("%d connections, want 2", dials.Load())
		}
	})
	t.Run("only once", func(t *testing.T) {
		closeOnRequest := func(h *h2conn) { serveVersions(1)(h); h.request(nil) }
		c, _ := scriptedServer(t, closeOnRequest, func(h *h2conn) { h.request(nil) })
		wantVersions(t, c, 1)
		if _, err := callVersion(t, c); err == nil {
			t.Error("a call whose retry failed too succeeded")
		}
	})
}

// TestGoAway: GOAWAY below the call's stream means the server did not
// take it (retried on a new connection); at or above it, the call ends
// normally and the next call takes a new connection.
func TestGoAway(t *testing.T) {
	t.Run("call not taken", func(t *testing.T) {
		c, dials := scriptedServer(t, func(h *h2conn) {
			serveVersions(1)(h)
			id, _ := h.request(nil)
			h.fr.WriteGoAway(id-2, http2.ErrCodeNo, nil)
			h.request(nil)
		}, serveVersions(1))
		wantVersions(t, c, 2)
		if dials.Load() != 2 {
			t.Errorf("%d connections, want 2", dials.Load())
		}
	})
	t.Run("call taken", func(t *testing.T) {
		c, dials := scriptedServer(t, func(h *h2conn) {
			id, _ := h.request(nil)
			h.fr.WriteGoAway(id, http2.ErrCodeNo, nil)
			h.answer(id, version("v1"))
			h.request(nil) // a second call here would fail
		}, serveVersions(1))
		wantVersions(t, c, 2)
		if dials.Load() != 2 {
			t.Errorf("%d connections, want 2", dials.Load())
		}
	})
}

// TestRefusedStream: REFUSED_STREAM is retried on a new connection; other
// resets fail the call.
func TestRefusedStream(t *testing.T) {
	c, _ := scriptedServer(t, func(h *h2conn) {
		id, _ := h.request(nil)
		h.fr.WriteRSTStream(id, http2.ErrCodeRefusedStream)
		h.request(nil)
	}, serveVersions(1), func(h *h2conn) {
		id, _ := h.request(nil)
		h.fr.WriteRSTStream(id, http2.ErrCodeInternal)
		h.request(nil)
	})
	wantVersions(t, c, 1)
	c.Close()
	if _, err := callVersion(t, c); err == nil || !strings.Contains(err.Error(), "reset the call (HTTP/2 error 2)") {
		t.Errorf("INTERNAL_ERROR reset: got %v", err)
	}
}

// TestHeaderTableSizeZero: after the server's SETTINGS_HEADER_TABLE_SIZE=0,
// nsj's headers use no dynamic table (its decoder here has none once the
// setting is acknowledged), over several calls.
func TestHeaderTableSizeZero(t *testing.T) {
	c, _ := scriptedServer(t, func(h *h2conn) {
		h.fr.WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 0})
		for range 3 {
			id, _ := h.request(func(f http2.Frame) {
				if s, ok := f.(*http2.SettingsFrame); ok && s.IsAck() {
					h.dec = hpack.NewDecoder(0, nil)
				}
			})
			if id == 0 {
				return
			}
			h.answer(id, version("v1"))
		}
	})
	wantVersions(t, c, 3)
}

// TestPing: PINGs are answered during a call and between calls (before
// the next call's request).
func TestPing(t *testing.T) {
	payload := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	c, _ := scriptedServer(t, func(h *h2conn) {
		for i := range 2 {
			acked := i == 0 // the first call has no PING before it
			id, _ := h.request(func(f http2.Frame) {
				if p, ok := f.(*http2.PingFrame); ok && p.IsAck() && p.Data == payload {
					acked = true
				}
				if _, ok := f.(*http2.HeadersFrame); ok && !acked {
					h.t.Error("the PING sent between calls was answered only after the next request")
				}
			})
			if id == 0 {
				return
			}
			h.fr.WritePing(false, payload)
			for f, err := h.fr.ReadFrame(); err == nil; f, err = h.fr.ReadFrame() {
				if p, ok := f.(*http2.PingFrame); ok && p.IsAck() && p.Data == payload {
					break
				}
			}
			h.answer(id, version("v1"))
			h.fr.WritePing(false, payload) // between calls
		}
	})
	wantVersions(t, c, 1)
	time.Sleep(100 * time.Millisecond) // the PING arrives between calls
	wantVersions(t, c, 1)
}

// TestFlowControl: with the server's window at 0, the request's DATA
// waits for its WINDOW_UPDATE.
func TestFlowControl(t *testing.T) {
	c, _ := scriptedServer(t, func(h *h2conn) {
		h.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
		id, _ := h.request(nil)
		h.answer(id, version("v1"))
		f, err := h.fr.ReadFrame()
		for ; err == nil; f, err = h.fr.ReadFrame() {
			if _, ok := f.(*http2.HeadersFrame); ok {
				break
			}
		}
		if err != nil {
			return
		}
		h.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if f, err := h.fr.ReadFrame(); err == nil {
			h.t.Errorf("the client sent %v with no window", f.Header())
		}
		h.c.SetReadDeadline(time.Time{})
		h.fr.WriteWindowUpdate(f.Header().StreamID, 3)
		h.fr.WriteWindowUpdate(f.Header().StreamID, 100)
		id, _ = h.request(nil)
		h.answer(id, version("v1"))
	})
	wantVersions(t, c, 2)
}

// TestSizeLimits: a CONTINUATION flood, an HPACK bomb and a message over
// 16 MiB fail the call without holding what was sent (a 64 MiB flood once
// took 3.45 GB).
func TestSizeLimits(t *testing.T) {
	flood := func(h *h2conn) {
		id, _ := h.request(nil)
		h.headers(id, false, ":status", "200")
		chunk := make([]byte, 16384)
		// A literal field whose name is nearly 16 MiB long: HPACK's
		// decoder holds it all until it is whole.
		name := uint64(maxHeaderBlock - 16)
		start := []byte{0x00, 0x7f}
		for name -= 127; name >= 0x80; name >>= 7 {
			start = append(start, byte(name)|0x80)
		}
		h.fr.WriteRawFrame(http2.FrameHeaders, 0, id, append(start, byte(name)))
		for range 4096 { // 64 MiB
			if h.fr.WriteContinuation(id, false, chunk) != nil {
				return
			}
		}
	}
	bomb := func(h *h2conn) {
		id, _ := h.request(nil)
		h.buf.Reset()
		h.enc.WriteField(hpack.HeaderField{Name: "x", Value: strings.Repeat("y", 4000)})
		block := append(h.buf.Bytes(), bytes.Repeat([]byte{0x80 | 62}, 16000)...) // 16,000 times "x: yyy…"
		h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block[:16384], EndHeaders: false})
		for block = block[16384:]; len(block) > 0; {
			n := min(len(block), 16384)
			h.fr.WriteContinuation(id, n == len(block), block[:n])
			block = block[n:]
		}
		for range 300 {
			if h.fr.WriteContinuation(id, false, bytes.Repeat([]byte{0x80 | 62}, 16384)) != nil {
				return
			}
		}
	}
	huge := func(h *h2conn) {
		id, _ := h.request(nil)
		h.headers(id, false, ":status", "200", "content-type", "application/grpc")
		h.fr.WriteData(id, false, binary.BigEndian.AppendUint32([]byte{0}, MaxMessage+1))
		for range 1100 {
			if h.fr.WriteData(id, false, make([]byte, 16384)) != nil {
				return
			}
		}
	}
	for name, tt := range map[string]struct {
		script func(*h2conn)
		want   string
	}{"continuation flood": {flood, "header block over"}, "hpack bomb": {bomb, "headers over"}, "message over 16 MiB": {huge, "message of 16777217 bytes"}} {
		t.Run(name, func(t *testing.T) {
			c, _ := scriptedServer(t, tt.script)
			var before, after goruntime.MemStats
			goruntime.ReadMemStats(&before)
			start := time.Now()
			_, err := callVersion(t, c)
			goruntime.ReadMemStats(&after)
			if !errors.Is(err, errTooLarge) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want the limit's error", err)
			}
			// Memory, not time, is checked: the machine may be loaded.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("%d MiB allocated", alloc>>20)
			}
			t.Logf("%v, after %v", err, time.Since(start))
		})
	}
}
