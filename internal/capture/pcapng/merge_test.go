package pcapng

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// blocks reads a whole stream back.
func blocks(t *testing.T, b []byte) []Block {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out []Block
	for {
		blk, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, blk)
	}
}

// packetTimes are the times of the packets of bs, in stream order.
func packetTimes(bs []Block) []int64 {
	var out []int64
	for _, b := range bs {
		if b.Kind == KindPacket {
			out = append(out, b.Packet.Time)
		}
	}
	return out
}

func newMerger(t *testing.T, window time.Duration, maxBytes, count int) (*Merger, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, "test")
	if err != nil {
		t.Fatal(err)
	}
	m := NewMerger(w, window, maxBytes, count)
	for range 2 {
		if _, err := m.AddInterface(Interface{LinkType: 1}); err != nil {
			t.Fatal(err)
		}
	}
	return m, &buf
}

func TestMergeWritesInTimeOrderAcrossSources(t *testing.T) {
	m, buf := newMerger(t, time.Hour, 1<<20, 0)
	a, b := m.Open(), m.Open()
	base := time.Now().UnixNano()
	for _, step := range []struct {
		src *Source
		t   int64
	}{{a, 10}, {a, 30}, {b, 20}, {a, 50}, {b, 40}, {b, 60}} {
		if err := step.src.Packet(0, Packet{Time: base + step.t, Data: frame(0)}); err != nil {
			t.Fatal(err)
		}
	}
	m.Tick()
	// b's 60 waits for a: a could still hand in something earlier.
	if got := len(packetTimes(blocks(t, buf.Bytes()))); got != 5 {
		t.Errorf("%d packets written before a's next one, want 5 (all but b's last)", got)
	}
	a.Close()
	b.Close()
	if err := m.Finish(); err != nil {
		t.Fatal(err)
	}
	got := packetTimes(blocks(t, buf.Bytes()))
	want := []int64{base + 10, base + 20, base + 30, base + 40, base + 50, base + 60}
	if len(got) != len(want) {
		t.Fatalf("wrote %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("wrote %v, want %v", got, want)
		}
	}
	if m.Late() != 0 {
		t.Errorf("%d packets late", m.Late())
	}
}

func TestMergeWaitsForAQuietSourceOnlyAWindow(t *testing.T) {
	const window = 200 * time.Millisecond
	m, buf := newMerger(t, window, 1<<20, 0)
	quiet, busy := m.Open(), m.Open()
	defer quiet.Close()
	now := time.Now().UnixNano()
	busy.Packet(1, Packet{Time: now - 2*window.Nanoseconds(), Data: frame(1)}) // older than the window: written at once
	busy.Packet(1, Packet{Time: now, Data: frame(2)})                          // waits for quiet, up to the window
	m.Tick()
	if got := len(packetTimes(blocks(t, buf.Bytes()))); got != 1 {
		t.Fatalf("%d packets written at once, want 1 (the old one)", got)
	}
	time.Sleep(window + 50*time.Millisecond)
	m.Tick()
	if got := len(packetTimes(blocks(t, buf.Bytes()))); got != 2 {
		t.Fatalf("%d packets written a window later, want 2", got)
	}
}

func TestMergeWritesTheOldestAtOnceBeyondMaxBytes(t *testing.T) {
	m, buf := newMerger(t, time.Hour, 3*(60+itemSize), 0)
	quiet, busy := m.Open(), m.Open()
	defer quiet.Close()
	now := time.Now().UnixNano()
	for i := range 5 {
		busy.Packet(0, Packet{Time: now + int64(i), Data: frame(byte(i))})
	}
	m.Tick()
	if got := len(packetTimes(blocks(t, buf.Bytes()))); got != 2 {
		t.Fatalf("%d packets written with room for 3 waiting, want 2", got)
	}
}

func TestMergeStopsAtCountButWritesStatistics(t *testing.T) {
	m, buf := newMerger(t, time.Hour, 1<<20, 2)
	src := m.Open()
	now := time.Now().UnixNano()
	for i := range 4 {
		src.Packet(0, Packet{Time: now + int64(i), Data: frame(byte(i))})
	}
	select {
	case <-m.Done():
	default:
		t.Fatal("Done is not closed after the count")
	}
	src.Stats(0, now+10, Stats{Received: 4, Has: HasReceived})
	src.Close()
	if err := m.Finish(); err != nil {
		t.Fatal(err)
	}
	bs := blocks(t, buf.Bytes())
	if got := len(packetTimes(bs)); got != 2 {
		t.Errorf("wrote %d packets with -c 2", got)
	}
	if last := bs[len(bs)-1]; last.Kind != KindStats || last.Stats.Received != 4 {
		t.Errorf("the last block is %+v, want the statistics", last)
	}
}

func TestRelayRenumbersEachStreamsInterfaces(t *testing.T) {
	var out bytes.Buffer
	w, _ := NewWriter(&out, "test")
	m := NewMerger(w, time.Hour, 1<<20, 0)
	// Two nodes' streams, each of two interfaces numbered 0 and 1.
	node := func(name string, t0 int64) []byte {
		var buf bytes.Buffer
		nw, _ := NewWriter(&buf, "node")
		nw.AddInterface(Interface{Name: name + "/a:eth0", LinkType: 1})
		nw.AddInterface(Interface{Name: name + "/b:eth0", LinkType: 1})
		nw.WritePacket(1, Packet{Time: t0, Data: frame(1)})
		nw.WritePacket(0, Packet{Time: t0 + 2, Data: frame(0)})
		nw.WriteStats(1, t0+5, Stats{Dropped: 7, Has: HasDropped})
		nw.Flush()
		return buf.Bytes()
	}
	now := time.Now().UnixNano()
	one, two := node("n1", now), node("n2", now+1)
	errs := make(chan error, 2)
	srcs := []*Source{m.Open(), m.Open()}
	for i, s := range [][]byte{one, two} {
		go func() { errs <- Relay(srcs[i], bytes.NewReader(s)) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Finish(); err != nil {
		t.Fatal(err)
	}
	names := map[uint32]string{}
	var seen []string
	var n uint32
	for _, b := range blocks(t, out.Bytes()) {
		switch b.Kind {
		case KindInterface:
			names[n] = b.Interface.Name
			n++
		case KindPacket:
			seen = append(seen, names[b.If])
		case KindStats:
			seen = append(seen, "stats "+names[b.If])
		}
	}
	want := []string{"n1/b:eth0", "n2/b:eth0", "n1/a:eth0", "n2/a:eth0", "stats n1/b:eth0", "stats n2/b:eth0"}
	if len(names) != 4 || len(seen) != len(want) {
		t.Fatalf("merged %d interfaces, blocks %v; want 4, %v", len(names), seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("merged blocks %v, want %v", seen, want)
		}
	}
}
