package pcapng

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// frame is a minimal Ethernet frame whose last byte is n.
func frame(n byte) []byte {
	b := make([]byte, 60)
	copy(b, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06})
	b[59] = n
	return b
}

// written writes two interfaces, three packets and the first interface's
// statistics, and returns the stream.
func written(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, "nsj test")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"shop/web-1/app:eth0", "db:eth0"} {
		if _, err := w.AddInterface(Interface{Name: name, Comment: "id " + name, LinkType: 1, Snaplen: 262144, Filter: "icmp"}); err != nil {
			t.Fatal(err)
		}
	}
	for i, ifc := range []uint32{0, 1, 0} {
		p := Packet{Time: 1700000000_123456789 + int64(i)*1000, Data: frame(byte(i)), Length: 60}
		if err := w.WritePacket(ifc, p); err != nil {
			t.Fatal(err)
		}
	}
	st := Stats{Received: 5, Dropped: 2, Delivered: 3, Has: HasReceived | HasDropped | HasDelivered}
	if err := w.WriteStats(0, 1700000001_000000000, st); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(2, Packet{Data: frame(9)}); err == nil {
		t.Fatal("a packet of an undescribed interface was written")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tshark(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark is missing (scripts/deps.sh test installs it)")
		}
		t.Skip("tshark is missing (scripts/deps.sh test installs it)")
	}
	return path
}

func TestTsharkReadsWhatTheWriterWrites(t *testing.T) {
	bin := tshark(t)
	file := filepath.Join(t.TempDir(), "w.pcapng")
	if err := os.WriteFile(file, written(t), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-r", file, "-T", "fields", "-e", "frame.interface_name", "-e", "frame.time_epoch", "-e", "frame.interface_description").Output()
	if err != nil {
		t.Fatalf("tshark -r: %v\n%s", err, out)
	}
	want := "shop/web-1/app:eth0\t1700000000.123456789\n" +
		"db:eth0\t1700000000.123457789\n" +
		"shop/web-1/app:eth0\t1700000000.123458789\n"
	if got := strings.ReplaceAll(string(out), "\t\n", "\n"); got != want {
		t.Errorf("tshark read:\n%s\nwant:\n%s", got, want)
	}
	if capinfos, err := exec.LookPath("capinfos"); err == nil {
		out, err := exec.Command(capinfos, "-M", file).Output()
		if err != nil {
			t.Fatalf("capinfos: %v\n%s", err, out)
		}
		for _, want := range []string{"Number of packets:   3", "Number of interfaces in file: 2", "Name = shop/web-1/app:eth0", "Filter string = icmp", "Number of stat entries = 1", "Number of packets = 2"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("capinfos does not say %q:\n%s", want, out)
			}
		}
	}
}

func TestReaderReadsWhatTheWriterWrites(t *testing.T) {
	rd, err := NewReader(bytes.NewReader(written(t)))
	if err != nil {
		t.Fatal(err)
	}
	var got []Block
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b)
	}
	want := []Block{
		{Kind: KindInterface, Interface: Interface{Name: "shop/web-1/app:eth0", Comment: "id shop/web-1/app:eth0", Filter: "icmp", LinkType: 1, Snaplen: 262144}},
		{Kind: KindInterface, Interface: Interface{Name: "db:eth0", Comment: "id db:eth0", Filter: "icmp", LinkType: 1, Snaplen: 262144}},
		{Kind: KindPacket, If: 0, Packet: Packet{Time: 1700000000_123456789, Data: frame(0), Length: 60}},
		{Kind: KindPacket, If: 1, Packet: Packet{Time: 1700000000_123457789, Data: frame(1), Length: 60}},
		{Kind: KindPacket, If: 0, Packet: Packet{Time: 1700000000_123458789, Data: frame(2), Length: 60}},
		{Kind: KindStats, If: 0, Time: 1700000001_000000000, Stats: Stats{Received: 5, Dropped: 2, Delivered: 3, Has: HasReceived | HasDropped | HasDelivered}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back:\n%+v\nwant:\n%+v", got, want)
	}
	if _, err := NewReader(bytes.NewReader(written(t)[:10])); err == nil {
		t.Error("a cut section header was read")
	}
}

// pcapStream is a libpcap stream of one packet at 1.5 s, in order, with
// nanosecond or microsecond timestamps.
func pcapStream(order binary.AppendByteOrder, nano bool) []byte {
	magic, frac := uint32(0xa1b2c3d4), uint32(500000)
	if nano {
		magic, frac = 0xa1b23c4d, 500000000
	}
	var b []byte
	for _, v := range []uint32{magic, 0, 0, 0, 65535, 1} {
		b = order.AppendUint32(b, v)
	}
	for _, v := range []uint32{1, frac, 4, 70} {
		b = order.AppendUint32(b, v)
	}
	return append(b, 1, 2, 3, 4)
}

func TestPcapReaderReadsEitherOrderAndPrecision(t *testing.T) {
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, nano := range []bool{false, true} {
			r, err := NewPcapReader(bytes.NewReader(pcapStream(order, nano)))
			if err != nil {
				t.Fatalf("%v nano=%v: %v", order, nano, err)
			}
			p, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if want := (Packet{Time: 1_500_000_000, Data: []byte{1, 2, 3, 4}, Length: 70}); !reflect.DeepEqual(p, want) || r.LinkType != 1 || r.Snaplen != 65535 {
				t.Errorf("%v nano=%v: read %+v (link %d, snaplen %d), want %+v", order, nano, p, r.LinkType, r.Snaplen, want)
			}
			if _, err := r.Next(); !errors.Is(err, io.EOF) {
				t.Errorf("after the last packet: %v, want EOF", err)
			}
		}
	}
	cut := pcapStream(binary.LittleEndian, true)
	r, _ := NewPcapReader(bytes.NewReader(cut[:len(cut)-1]))
	if _, err := r.Next(); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("a cut record: %v, want an error", err)
	}
	if _, err := NewPcapReader(strings.NewReader(strings.Repeat("x", 24))); err == nil {
		t.Error("a stream without pcap magic was read")
	}
}
