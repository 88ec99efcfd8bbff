package pcapng

import (
	"errors"
	"fmt"
	"io"
)

// Relay hands one pcap-ng stream to the merge as source src, and closes it
// (kubectl nsj capture: a node's merged capture; open every node's source
// before relaying any, so that none is written before another has begun). Its interfaces are renumbered: each
// description is written to the merged stream as it comes, and its
// packets and statistics name the new number. It returns at the end of r
// (nil), or on the first error of reading or of the merge.
func Relay(src *Source, r io.Reader) error {
	defer src.Close()
	m := src.m
	rd, err := NewReader(r)
	if err != nil {
		return err
	}
	var numbers []uint32 // the stream's interface number -> the merged stream's
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if b.Kind == KindInterface {
			n, err := m.AddInterface(b.Interface)
			if err != nil {
				return err
			}
			numbers = append(numbers, n)
			continue
		}
		if int(b.If) >= len(numbers) {
			return fmt.Errorf("a block of interface %d, of %d described", b.If, len(numbers))
		}
		if b.Kind == KindPacket {
			err = src.Packet(numbers[b.If], b.Packet)
		} else {
			err = src.Stats(numbers[b.If], b.Time, b.Stats)
		}
		if err != nil {
			return err
		}
	}
}
