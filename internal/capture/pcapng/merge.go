package pcapng

import (
	"container/heap"
	"sync"
	"time"
)

// Merger writes the packets and statistics of many sources into one
// Writer in timestamp order. Each source hands in its items in time order
// (a tcpdump's packets of one interface; a node's merged stream). An item
// is written once every open source has a later one waiting (then nothing
// earlier can still come), or once it is Window older than the clock (a
// source that stays quiet holds nothing up longer than that), or when the
// items waiting pass MaxBytes (then the oldest goes at once): the window
// bounds the delay, MaxBytes the memory.
type Merger struct {
	Window   time.Duration
	MaxBytes int
	Count    int // stop after this many packets; 0: no limit

	mu      sync.Mutex
	w       *Writer
	waiting itemHeap
	bytes   int
	seq     uint64
	idle    int // open sources with nothing waiting
	written int
	late    int // packets older than one already written
	last    int64
	err     error
	ended   bool          // done is closed
	done    chan struct{} // closed when Count is reached or writing failed
}

// NewMerger merges into w.
func NewMerger(w *Writer, window time.Duration, maxBytes, count int) *Merger {
	return &Merger{w: w, Window: window, MaxBytes: maxBytes, Count: count, done: make(chan struct{})}
}

// item is one packet or statistics block waiting to be written.
type item struct {
	time  int64
	seq   uint64
	ifc   uint32
	pkt   Packet
	stats *Stats
	src   *Source
}

// itemSize is what an item costs beyond its packet's bytes.
const itemSize = 96

// Source is one ordered stream of items.
type Source struct {
	m       *Merger
	pending int
	closed  bool
}

// Done is closed once Count packets were written or writing failed (Err).
func (m *Merger) Done() <-chan struct{} { return m.done }

// Err is the first error of writing, if any.
func (m *Merger) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// Written is the number of packets written.
func (m *Merger) Written() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.written
}

// AddInterface writes an interface's description at once and returns its
// number in the merged stream.
func (m *Merger) AddInterface(i Interface) (uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return 0, m.err
	}
	n, err := m.w.AddInterface(i)
	m.fail(err)
	return n, err
}

// Open adds a source; until it is closed, the merger waits (up to Window)
// for its next item before writing later ones.
func (m *Merger) Open() *Source {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.idle++
	return &Source{m: m}
}

// Packet hands in a packet of interface ifc.
func (s *Source) Packet(ifc uint32, p Packet) error {
	return s.add(&item{time: p.Time, ifc: ifc, pkt: p})
}

// Stats hands in the statistics of interface ifc, taken at time t.
func (s *Source) Stats(ifc uint32, t int64, st Stats) error {
	return s.add(&item{time: t, ifc: ifc, stats: &st})
}

func (s *Source) add(it *item) error {
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	it.src, it.seq = s, m.seq
	m.seq++
	if s.pending == 0 && !s.closed {
		m.idle--
	}
	s.pending++
	m.bytes += len(it.pkt.Data) + itemSize
	heap.Push(&m.waiting, it)
	m.drain(time.Now().UnixNano())
	return m.err
}

// Close says the source hands in nothing more.
func (s *Source) Close() {
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if !s.closed && s.pending == 0 {
		m.idle--
	}
	s.closed = true
	m.drain(time.Now().UnixNano())
}

// Tick writes what has waited a Window and flushes the writer; call it
// often (every few tens of milliseconds) so that readers see packets live.
func (m *Merger) Tick() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drain(time.Now().UnixNano())
	if m.err == nil {
		m.fail(m.w.Flush())
	}
	return m.err
}

// Finish writes everything still waiting, in order, and flushes.
func (m *Merger) Finish() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.err == nil && m.waiting.Len() > 0 {
		m.write(heap.Pop(&m.waiting).(*item))
	}
	if m.err == nil {
		m.fail(m.w.Flush())
	}
	return m.err
}

// Late is the number of packets written after a later one: they came more
// than Window after their time, or past MaxBytes.
func (m *Merger) Late() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.late
}

// drain writes the items that may be written at time now.
func (m *Merger) drain(now int64) {
	for m.err == nil && m.waiting.Len() > 0 {
		top := m.waiting[0]
		if m.idle > 0 && top.time > now-m.Window.Nanoseconds() && m.bytes <= m.MaxBytes {
			return
		}
		m.write(heap.Pop(&m.waiting).(*item))
	}
}

// write writes one item and accounts for it.
func (m *Merger) write(it *item) {
	s := it.src
	s.pending--
	if s.pending == 0 && !s.closed {
		m.idle++
	}
	m.bytes -= len(it.pkt.Data) + itemSize
	if it.stats != nil {
		m.fail(m.w.WriteStats(it.ifc, it.time, *it.stats))
		return
	}
	if m.Count > 0 && m.written >= m.Count {
		return
	}
	if it.time < m.last {
		m.late++
	}
	m.last = max(m.last, it.time)
	m.fail(m.w.WritePacket(it.ifc, it.pkt))
	m.written++
	if m.Count > 0 && m.written == m.Count {
		m.fail(m.w.Flush())
		m.end()
	}
}

// fail records the first error and ends the merge.
func (m *Merger) fail(err error) {
	if err != nil && m.err == nil {
		m.err = err
		m.end()
	}
}

// end closes done, once: packets after Count are left out, statistics
// are still written.
func (m *Merger) end() {
	if !m.ended {
		m.ended = true
		close(m.done)
	}
}

// itemHeap orders items by time, then by the order they came in.
type itemHeap []*item

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	if h[i].time != h[j].time {
		return h[i].time < h[j].time
	}
	return h[i].seq < h[j].seq
}
func (h itemHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)   { *h = append(*h, x.(*item)) }
func (h *itemHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return it
}
