// Package pcapng reads the libpcap stream that tcpdump -w writes, reads and
// writes pcap-ng (SHB, IDB, EPB and ISB blocks), and merges packets from
// many ordered sources into one pcap-ng stream in timestamp order. It is
// pure Go (no cgo, no nsjoin): nsj capture merges its tcpdumps with it, and
// kubectl nsj (built with CGO_ENABLED=0) merges the nodes' streams.
//
// It is written here rather than taken from gopacket's pcapgo because
// linking pcapgo (through gopacket/layers, whose init builds its decoder
// tables) costs every nsj run about 20 ms (docs/design.md).
package pcapng

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Packet is one captured packet: its time (nanoseconds since the Unix
// epoch), the bytes captured, and the length it had on the wire.
type Packet struct {
	Time   int64
	Data   []byte
	Length uint32
}

// maxCaptured bounds one packet's captured bytes (libpcap's own limit of a
// snapshot length is 262144); a larger length means a corrupt stream.
const maxCaptured = 262144

// PcapReader reads a libpcap ("pcap", not pcap-ng) stream.
type PcapReader struct {
	r        *bufio.Reader
	order    binary.ByteOrder
	nano     bool // nanosecond timestamps (magic 0xa1b23c4d)
	LinkType uint16
	Snaplen  uint32
	hdr      [16]byte
}

// NewPcapReader reads the 24-byte file header of r.
func NewPcapReader(r io.Reader) (*PcapReader, error) {
	p := &PcapReader{r: bufio.NewReaderSize(r, 1<<16)}
	var h [24]byte
	if _, err := io.ReadFull(p.r, h[:]); err != nil {
		return nil, fmt.Errorf("reading the pcap file header: %w", err)
	}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		switch order.Uint32(h[0:4]) {
		case 0xa1b2c3d4:
			p.order = order
		case 0xa1b23c4d:
			p.order, p.nano = order, true
		}
	}
	if p.order == nil {
		return nil, fmt.Errorf("not a pcap stream (magic %#x)", binary.LittleEndian.Uint32(h[0:4]))
	}
	p.Snaplen = p.order.Uint32(h[16:20])
	p.LinkType = uint16(p.order.Uint32(h[20:24])) // the upper bits carry FCS flags
	return p, nil
}

// Next reads the next packet; io.EOF at the clean end of the stream.
func (p *PcapReader) Next() (Packet, error) {
	if _, err := io.ReadFull(p.r, p.hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Packet{}, fmt.Errorf("a pcap record header cut short: %w", err)
		}
		return Packet{}, err
	}
	sec, frac := int64(p.order.Uint32(p.hdr[0:4])), int64(p.order.Uint32(p.hdr[4:8]))
	captured, length := p.order.Uint32(p.hdr[8:12]), p.order.Uint32(p.hdr[12:16])
	if captured > maxCaptured {
		return Packet{}, fmt.Errorf("a pcap record of %d bytes: more than any snapshot length (%d)", captured, maxCaptured)
	}
	if !p.nano {
		frac *= 1000
	}
	pk := Packet{Time: sec*1e9 + frac, Data: make([]byte, captured), Length: length}
	if _, err := io.ReadFull(p.r, pk.Data); err != nil {
		return Packet{}, fmt.Errorf("a pcap record cut short: %w", err)
	}
	return pk, nil
}
