package containerd

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/encoding/protowire"
)

// FuzzEachField checks the protobuf field reader against protobuf-go's
// protowire: on every input, both accept or both refuse, and they read the
// same fields. Groups (wire types 3 and 4) are refused by nsj: containerd's
// API has none.
func FuzzEachField(f *testing.F) {
	f.Add(appendString(appendString(nil, 1, "id"), 2, "x"))
	f.Add([]byte{0x08, 0x96, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1d, 1, 2, 3, 4})
	f.Add([]byte{0x0b, 0x0c})
	f.Add([]byte{0x02, 0x00}) // field number 0
	f.Fuzz(func(t *testing.T, b []byte) {
		var got []field
		err := eachField(b, func(fl field) error { got = append(got, fl); return nil })
		var want []field
		rest, ok := b, true
		for len(rest) > 0 && ok {
			num, typ, n := protowire.ConsumeTag(rest)
			if n < 0 || typ == protowire.StartGroupType || typ == protowire.EndGroupType {
				ok = false
				break
			}
			fl := field{num: uint64(num)}
			m := protowire.ConsumeFieldValue(num, typ, rest[n:])
			if m < 0 {
				ok = false
				break
			}
			switch typ {
			case protowire.VarintType:
				fl.varint, _ = protowire.ConsumeVarint(rest[n:])
			case protowire.BytesType:
				fl.bytes, _ = protowire.ConsumeBytes(rest[n:])
				if fl.bytes == nil {
					fl.bytes = []byte{}
				}
			}
			want = append(want, fl)
			rest = rest[n+m:]
		}
		if (err == nil) != ok {
			t.Fatalf("nsj: %v, protowire ok: %v", err, ok)
		}
		if err != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("nsj read %d fields, protowire %d", len(got), len(want))
		}
		for i := range got {
			if got[i].num != want[i].num || got[i].varint != want[i].varint || !bytes.Equal(got[i].bytes, want[i].bytes) || (got[i].bytes == nil) != (want[i].bytes == nil) {
				t.Fatalf("field %d: nsj %+v, protowire %+v", i, got[i], want[i])
			}
		}
		decodeContainer(b) // and the decoders built on it must not panic
		decodeProcess(b)
	})
}

// replayConn is a server that answers with fixed bytes and ignores what it
// is sent.
type replayConn struct {
	net.Conn
	r *bytes.Reader
}

func (c replayConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c replayConn) Write(p []byte) (int, error) { return len(p), nil }
func (c replayConn) Close() error                { return nil }
func (c replayConn) SetDeadline(time.Time) error { return nil }

// FuzzFrameReader feeds arbitrary bytes, as the server's side of the
// connection, to a unary call and a ListStream call: they must end (the
// bytes run out) without panicking, and answer only within the limits.
func FuzzFrameReader(f *testing.F) {
	var b bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	fr.WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 0})
	fr.WritePing(false, [8]byte{1})
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndHeaders: true})
	fr.WriteData(1, false, append([]byte{0, 0, 0, 0, 4}, appendString(nil, 1, "v1")...))
	hb.Reset()
	enc.WriteField(hpack.HeaderField{Name: "grpc-status", Value: "0"})
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndHeaders: true, EndStream: true})
	f.Add(b.Bytes())
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\nServer: Docker\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := NewConn(func(context.Context) (net.Conn, error) { return replayConn{r: bytes.NewReader(b)}, nil })
		s := NewStore(c)
		if v, err := s.Version(context.Background()); err == nil && len(v) > MaxMessage {
			t.Fatalf("a version of %d bytes", len(v))
		}
		c.Close()
		s.Containers(context.Background(), "ns")
	})
}
