package pcapng

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
)

// Block is one block of a pcap-ng stream as Reader returns it: an
// interface (IDB), a packet (EPB) or an interface's statistics (ISB).
type Block struct {
	Kind      Kind
	Interface Interface // KindInterface
	If        uint32    // KindPacket, KindStats: the interface's number in its stream
	Packet    Packet    // KindPacket
	Time      int64     // KindStats: when they were taken
	Stats     Stats     // KindStats
}

// Kind is the kind of a Block.
type Kind int

// The kinds of Block that Reader returns; it skips other blocks.
const (
	KindInterface Kind = iota + 1
	KindPacket
	KindStats
)

// maxBlock bounds one block's length: a packet of maxCaptured bytes and
// generous room for options.
const maxBlock = maxCaptured + 1<<16

// Reader reads one pcap-ng section.
type Reader struct {
	r     *bufio.Reader
	order binary.ByteOrder
	units []uint64 // per interface: timestamp units per second
	body  []byte
}

// NewReader reads the Section Header Block of r.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{r: bufio.NewReaderSize(r, 1<<16)}
	var h [12]byte
	if _, err := io.ReadFull(rd.r, h[:]); err != nil {
		return nil, fmt.Errorf("reading the pcap-ng section header: %w", err)
	}
	if binary.LittleEndian.Uint32(h[0:4]) != blockSHB {
		return nil, fmt.Errorf("not a pcap-ng stream (first block type %#x)", binary.LittleEndian.Uint32(h[0:4]))
	}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		if order.Uint32(h[8:12]) == byteOrderMagic {
			rd.order = order
		}
	}
	if rd.order == nil {
		return nil, fmt.Errorf("a pcap-ng section header of unknown byte order")
	}
	total := rd.order.Uint32(h[4:8])
	if total < 28 || total > maxBlock || total%4 != 0 {
		return nil, fmt.Errorf("a pcap-ng section header of %d bytes", total)
	}
	if _, err := rd.r.Discard(int(total) - 12); err != nil {
		return nil, fmt.Errorf("reading the pcap-ng section header: %w", err)
	}
	return rd, nil
}

// Next returns the next interface, packet or statistics block; io.EOF at
// the clean end of the stream.
func (rd *Reader) Next() (Block, error) {
	for {
		typ, body, err := rd.block()
		if err != nil {
			return Block{}, err
		}
		switch typ {
		case blockIDB:
			return rd.idb(body)
		case blockEPB:
			return rd.epb(body)
		case blockISB:
			return rd.isb(body)
		case blockSHB:
			return Block{}, fmt.Errorf("a second pcap-ng section: one stream, one section")
		}
	}
}

// block reads one block and returns its type and body (without the type
// and the two lengths).
func (rd *Reader) block() (uint32, []byte, error) {
	var h [8]byte
	if _, err := io.ReadFull(rd.r, h[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return 0, nil, fmt.Errorf("a pcap-ng block header cut short: %w", err)
		}
		return 0, nil, err
	}
	typ, total := rd.order.Uint32(h[0:4]), rd.order.Uint32(h[4:8])
	if total < 12 || total > maxBlock || total%4 != 0 {
		return 0, nil, fmt.Errorf("a pcap-ng block (type %#x) of %d bytes", typ, total)
	}
	if cap(rd.body) < int(total-8) {
		rd.body = make([]byte, total-8)
	}
	b := rd.body[:total-8]
	if _, err := io.ReadFull(rd.r, b); err != nil {
		return 0, nil, fmt.Errorf("a pcap-ng block (type %#x) cut short: %w", typ, err)
	}
	return typ, b[:len(b)-4], nil
}

func (rd *Reader) idb(b []byte) (Block, error) {
	if len(b) < 8 {
		return Block{}, fmt.Errorf("an interface description block of %d bytes", len(b))
	}
	i := Interface{LinkType: rd.order.Uint16(b[0:2]), Snaplen: rd.order.Uint32(b[4:8])}
	units := uint64(1e6)
	err := rd.options(b[8:], func(code uint16, v []byte) {
		switch code {
		case optIfName:
			i.Name = string(v)
		case optIfDesc:
			i.Description = string(v)
		case optComment:
			i.Comment = string(v)
		case optIfFilter:
			if len(v) > 0 && v[0] == 0 {
				i.Filter = string(v[1:])
			}
		case optIfTsresol:
			if len(v) == 1 {
				units = tsresol(v[0])
			}
		}
	})
	if err != nil {
		return Block{}, err
	}
	rd.units = append(rd.units, units)
	return Block{Kind: KindInterface, Interface: i}, nil
}

// tsresol is the number of timestamp units per second that if_tsresol v
// gives: 10^v, or 2^v if its top bit is set; 0 when out of range.
func tsresol(v byte) uint64 {
	if v&0x80 != 0 {
		if v&0x7f > 63 {
			return 0
		}
		return 1 << (v & 0x7f)
	}
	if v > 19 {
		return 0
	}
	u := uint64(1)
	for ; v > 0; v-- {
		u *= 10
	}
	return u
}

func (rd *Reader) epb(b []byte) (Block, error) {
	if len(b) < 20 {
		return Block{}, fmt.Errorf("an enhanced packet block of %d bytes", len(b))
	}
	ifc := rd.order.Uint32(b[0:4])
	t, err := rd.time(ifc, b[4:12])
	if err != nil {
		return Block{}, err
	}
	captured := rd.order.Uint32(b[12:16])
	if uint64(captured) > uint64(len(b)-20) {
		return Block{}, fmt.Errorf("an enhanced packet block claims %d bytes of %d", captured, len(b)-20)
	}
	data := make([]byte, captured)
	copy(data, b[20:])
	return Block{Kind: KindPacket, If: ifc, Packet: Packet{Time: t, Data: data, Length: rd.order.Uint32(b[16:20])}}, nil
}

func (rd *Reader) isb(b []byte) (Block, error) {
	if len(b) < 12 {
		return Block{}, fmt.Errorf("an interface statistics block of %d bytes", len(b))
	}
	ifc := rd.order.Uint32(b[0:4])
	t, err := rd.time(ifc, b[4:12])
	if err != nil {
		return Block{}, err
	}
	blk := Block{Kind: KindStats, If: ifc, Time: t}
	s := &blk.Stats
	err = rd.options(b[12:], func(code uint16, v []byte) {
		if len(v) != 8 {
			return
		}
		switch code {
		case optIsbStart:
			s.Start, _ = rd.time(ifc, v)
		case optIsbEnd:
			s.End, _ = rd.time(ifc, v)
		case optIsbIfRecv:
			s.Received, s.Has = rd.order.Uint64(v), s.Has|HasReceived
		case optIsbIfDrop:
			s.Dropped, s.Has = rd.order.Uint64(v), s.Has|HasDropped
		case optIsbUsrDeliv:
			s.Delivered, s.Has = rd.order.Uint64(v), s.Has|HasDelivered
		}
	})
	return blk, err
}

// time converts a block's two timestamp words of interface ifc to ns.
func (rd *Reader) time(ifc uint32, w []byte) (int64, error) {
	if int(ifc) >= len(rd.units) {
		return 0, fmt.Errorf("a block of interface %d, of %d described", ifc, len(rd.units))
	}
	ts := uint64(rd.order.Uint32(w[0:4]))<<32 | uint64(rd.order.Uint32(w[4:8]))
	u := rd.units[ifc]
	if u == 0 {
		return 0, fmt.Errorf("interface %d has a timestamp resolution nsj cannot read", ifc)
	}
	sec, frac := ts/u, ts%u
	if sec > math.MaxInt64/1_000_000_000-1 {
		return 0, fmt.Errorf("a timestamp out of range")
	}
	hi, lo := bits.Mul64(frac, 1e9)
	ns, _ := bits.Div64(hi, lo, u) // hi < u, as frac < u
	return int64(sec)*1e9 + int64(ns), nil
}

// options calls f with each option of an option list, up to opt_endofopt.
func (rd *Reader) options(b []byte, f func(code uint16, v []byte)) error {
	for len(b) >= 4 {
		code, n := rd.order.Uint16(b[0:2]), int(rd.order.Uint16(b[2:4]))
		if code == optEnd {
			return nil
		}
		padded := (n + 3) &^ 3
		if 4+padded > len(b) {
			return fmt.Errorf("a pcap-ng option (code %d) of %d bytes overruns its block", code, n)
		}
		f(code, b[4:4+n])
		b = b[4+padded:]
	}
	return nil
}
