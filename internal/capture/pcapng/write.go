package pcapng

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// Block types and option codes of pcap-ng (draft-ietf-opsawg-pcapng).
const (
	blockSHB uint32 = 0x0A0D0D0A
	blockIDB uint32 = 1
	blockISB uint32 = 5
	blockEPB uint32 = 6

	byteOrderMagic = 0x1A2B3C4D

	optEnd         = 0
	optComment     = 1
	optIfName      = 2
	optIfDesc      = 3
	optIfTsresol   = 9
	optIfFilter    = 11
	optShbUserAppl = 4
	optIsbStart    = 2
	optIsbEnd      = 3
	optIsbIfRecv   = 4
	optIsbIfDrop   = 5
	optIsbUsrDeliv = 8
)

// Interface is what an Interface Description Block says of one captured
// interface. Timestamps are always written in nanoseconds (if_tsresol 9).
type Interface struct {
	Name        string // if_name: how Wireshark shows it
	Description string // if_description
	Comment     string // opt_comment
	Filter      string // if_filter, as BPF source text
	LinkType    uint16 // LINKTYPE_*
	Snaplen     uint32
}

// Stats are an Interface Statistics Block's counts; a count is written
// only if its Has bit is set (tcpdump may not print them all).
type Stats struct {
	Start, End int64  // capture start and end, ns since the epoch; 0: unknown
	Received   uint64 // isb_ifrecv: received by the filter
	Dropped    uint64 // isb_ifdrop: dropped by the kernel or the interface
	Delivered  uint64 // isb_usrdeliv: delivered to the capture (written)
	Has        Has
}

// Has says which counts of Stats are known.
type Has uint8

// The counts of Stats.
const (
	HasReceived Has = 1 << iota
	HasDropped
	HasDelivered
)

// Writer writes one pcap-ng section. It buffers: Flush makes what was
// written visible to the reader (tshark -r -, wireshark -k -i -).
type Writer struct {
	w     *bufio.Writer
	ifs   uint32
	block []byte // scratch: the block being built
}

// NewWriter writes the Section Header Block, naming application.
func NewWriter(out io.Writer, application string) (*Writer, error) {
	w := &Writer{w: bufio.NewWriterSize(out, 1<<16)}
	b := w.start(blockSHB)
	b = le32(b, byteOrderMagic)
	b = le16(b, 1) // major version
	b = le16(b, 0) // minor version
	b = le64(b, ^uint64(0))
	b = stringOption(b, optShbUserAppl, application)
	return w, w.finish(endOptions(b))
}

// AddInterface writes an Interface Description Block and returns the
// interface's number, as packets and statistics name it.
func (w *Writer) AddInterface(i Interface) (uint32, error) {
	b := w.start(blockIDB)
	b = le16(b, i.LinkType)
	b = le16(b, 0)
	b = le32(b, i.Snaplen)
	b = stringOption(b, optIfName, i.Name)
	b = stringOption(b, optIfDesc, i.Description)
	b = stringOption(b, optComment, i.Comment)
	if i.Filter != "" { // if_filter: a code byte (0: libpcap filter string) then the text
		b = option(b, optIfFilter, append([]byte{0}, i.Filter...))
	}
	b = option(b, optIfTsresol, []byte{9})
	if err := w.finish(endOptions(b)); err != nil {
		return 0, err
	}
	w.ifs++
	return w.ifs - 1, nil
}

// WritePacket writes an Enhanced Packet Block of interface ifc.
func (w *Writer) WritePacket(ifc uint32, p Packet) error {
	if ifc >= w.ifs {
		return fmt.Errorf("a packet of interface %d, of %d described", ifc, w.ifs)
	}
	b := w.start(blockEPB)
	b = le32(b, ifc)
	b = timestamp(b, p.Time)
	b = le32(b, uint32(len(p.Data)))
	b = le32(b, p.Length)
	b = pad(append(b, p.Data...))
	return w.finish(b)
}

// WriteStats writes an Interface Statistics Block of interface ifc, taken
// at time now (ns since the epoch).
func (w *Writer) WriteStats(ifc uint32, now int64, s Stats) error {
	if ifc >= w.ifs {
		return fmt.Errorf("statistics of interface %d, of %d described", ifc, w.ifs)
	}
	b := w.start(blockISB)
	b = le32(b, ifc)
	b = timestamp(b, now)
	if s.Start != 0 {
		b = option(b, optIsbStart, timestamp(nil, s.Start))
	}
	if s.End != 0 {
		b = option(b, optIsbEnd, timestamp(nil, s.End))
	}
	for _, c := range []struct {
		has  Has
		code uint16
		n    uint64
	}{{HasReceived, optIsbIfRecv, s.Received}, {HasDropped, optIsbIfDrop, s.Dropped}, {HasDelivered, optIsbUsrDeliv, s.Delivered}} {
		if s.Has&c.has != 0 {
			b = option(b, c.code, le64(nil, c.n))
		}
	}
	return w.finish(endOptions(b))
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }

// Buffered is how many bytes wait for Flush.
func (w *Writer) Buffered() int { return w.w.Buffered() }

// start begins a block of type typ in the scratch buffer, its length left
// for finish to fill in.
func (w *Writer) start(typ uint32) []byte {
	return le32(le32(w.block[:0], typ), 0)
}

// finish sets the block's total length, at its start and end, and writes it.
func (w *Writer) finish(b []byte) error {
	total := uint32(len(b) + 4)
	b = le32(b, total)
	binary.LittleEndian.PutUint32(b[4:8], total)
	w.block = b
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("writing the pcap-ng stream: %w", err)
	}
	return nil
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// timestamp appends ns as pcap-ng's high and low 32-bit words.
func timestamp(b []byte, ns int64) []byte {
	return le32(le32(b, uint32(uint64(ns)>>32)), uint32(ns))
}

// pad pads b to a multiple of 4 bytes with zeros.
func pad(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// option appends one option: code, length, value padded to 4 bytes.
func option(b []byte, code uint16, v []byte) []byte {
	return pad(append(le16(le16(b, code), uint16(len(v))), v...))
}

// stringOption appends a UTF-8 option, unless s is empty.
func stringOption(b []byte, code uint16, s string) []byte {
	if s == "" {
		return b
	}
	if len(s) > 0xfff0 {
		s = s[:0xfff0]
	}
	return option(b, code, []byte(s))
}

// endOptions ends an option list.
func endOptions(b []byte) []byte { return le32(b, optEnd) }
