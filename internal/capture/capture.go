// Package capture is nsj capture: one packet capture across many
// containers, merged into one pcap-ng stream. For each network namespace
// of the chosen containers (a pod's containers share one), and each of
// its interfaces, the host's tcpdump runs in that namespace through nsj's
// own join (a Starter: plan.Each, with --ns net), writing pcap to a pipe;
// package pcapng merges the pipes, in timestamp order, into one stream
// with one interface per (namespace, interface), named after the
// container, and its drop counts at the end.
package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nsj-dev/nsj/internal/capture/pcapng"
	"github.com/nsj-dev/nsj/runtime"
	"golang.org/x/sys/unix"
)

// The merge's bounds (pcapng.Merger): a packet waits at most Window for
// quiet interfaces (longer than libpcap's 1 s delivery timeout), and at
// most MaxBytes of packets wait in all.
const (
	Window   = 1500 * time.Millisecond
	MaxBytes = 64 << 20
)

// tick is how often what waited a Window is written, and the stream
// flushed, so that a reader (wireshark -k -i -) sees packets live.
const tick = 50 * time.Millisecond

// settle is how long the tcpdumps go on after ^C or the duration, before
// they are stopped: tcpdump stops at once on SIGINT, leaving behind what
// the kernel captured but libpcap had not handed over yet (it does within
// its 1 s timeout).
const settle = 1100 * time.Millisecond

// stopGrace is how long the tcpdumps have to exit after SIGINT before
// they are killed.
const stopGrace = 5 * time.Second

// Starter joins a task and starts a command there (plan.Each).
type Starter interface {
	StartCommand(t *runtime.Target, command []string, stdio [3]*os.File) (int, error)
}

// Target is one container to capture from, and the name nsj shows it by
// (runtime.ShownName: <pod-namespace>/<pod>/<container>, the Docker or
// nerdctl name, else the short ID).
type Target struct {
	Task *runtime.Target
	Name string
}

// Options are nsj capture's flags.
type Options struct {
	Out         io.Writer // the pcap-ng stream
	Stderr      io.Writer
	Interfaces  []string      // -i; empty: every interface that is up, but lo
	Snaplen     int           // -s; 0: tcpdump's default
	Count       int           // -c: packets in all; 0: no limit
	Duration    time.Duration // --duration; 0: no limit
	Filter      string        // the BPF filter; "": every packet
	HostNetwork bool          // --host-network: capture on the host's network too
	StopAtEOF   bool          // --stop-at-eof: stdin ending stops the capture as ^C does
}

// Run captures from targets until ^C (SIGINT, SIGTERM, SIGHUP), the count,
// the duration, the reader going away, or every interface closing.
func Run(st Starter, targets []Target, o Options) error {
	nets, err := networks(targets, &o)
	if err != nil {
		return err
	}
	watching := false
	defer func() {
		for _, n := range nets {
			n.close(watching)
		}
	}()
	w, err := pcapng.NewWriter(o.Out, "nsj capture")
	if err != nil {
		return err
	}
	m := pcapng.NewMerger(w, Window, MaxBytes, o.Count)
	var srcs []*source
	for _, n := range nets {
		for _, ifc := range n.ifaces {
			s := &source{task: n.targets[0].Task, ifname: ifc, iface: n.iface(ifc, &o), ready: make(chan struct{}), ended: make(chan struct{})}
			s.src = m.Open()
			srcs = append(srcs, s)
			n.srcs = append(n.srcs, s)
		}
	}
	// A reader that goes away is an error of the write (EPIPE), not a
	// signal that kills nsj; ^C ends the capture.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	defer signal.Stop(sigs)
	if o.StopAtEOF {
		go func() { io.Copy(io.Discard, os.Stdin); sigs <- syscall.SIGINT }()
	}
	started := 0
	for _, s := range srcs {
		if err := s.start(st, tcpdumpCommand(s.ifname, &o), m, o.Stderr); err != nil {
			fmt.Fprintf(o.Stderr, "nsj: %v\n", err)
			s.src.Close()
			close(s.ready)
			close(s.ended)
			continue
		}
		started++
	}
	for _, s := range srcs {
		<-s.ready
	}
	describe(o.Stderr, srcs)
	watching = true
	for _, n := range nets {
		go n.watch(o.Stderr)
	}
	end := wait(sigs, m, srcs, o.Duration)
	if m.Err() == nil {
		time.Sleep(settle)
	}
	stopAll(srcs)
	if err := m.Finish(); err != nil && !errors.Is(err, unix.EPIPE) {
		return fmt.Errorf("writing the capture: %w", err)
	}
	if errors.Is(m.Err(), unix.EPIPE) {
		end = "the reader of the capture went away"
	}
	if late := m.Late(); late > 0 {
		fmt.Fprintf(o.Stderr, "nsj: %d packets came later than the %v merge window and are out of time order\n", late, Window)
	}
	fmt.Fprintf(o.Stderr, "nsj: %d packets written; %s\n", m.Written(), end)
	if started == 0 || capturing(srcs) == 0 {
		return errors.New("no interface could be captured (see the lines above)")
	}
	return nil
}

// capturing is how many sources captured.
func capturing(srcs []*source) int {
	n := 0
	for _, s := range srcs {
		if s.started {
			n++
		}
	}
	return n
}

// describe says, once every tcpdump listens, what is captured.
func describe(stderr io.Writer, srcs []*source) {
	var names []string
	for _, s := range srcs {
		if s.started {
			names = append(names, s.iface.Name)
		}
	}
	fmt.Fprintf(stderr, "nsj: capturing on %d interfaces: %s (^C ends it)\n", len(names), strings.Join(names, ", "))
}

// wait waits for what ends the capture and says what it was.
func wait(sigs <-chan os.Signal, m *pcapng.Merger, srcs []*source, d time.Duration) string {
	allEnded := make(chan struct{})
	go func() {
		for _, s := range srcs {
			<-s.ended
		}
		close(allEnded)
	}()
	var limit <-chan time.Time
	if d > 0 {
		limit = time.After(d)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case sig := <-sigs:
			if sig != syscall.SIGPIPE {
				return "stopped by " + strings.ToUpper(unix.SignalName(sig.(syscall.Signal)))
			}
		case <-m.Done():
			if m.Err() != nil {
				return "writing failed"
			}
			return fmt.Sprintf("the count (-c %d) was reached", m.Count)
		case <-limit:
			return fmt.Sprintf("the duration (%v) was reached", d)
		case <-allEnded:
			return "every interface closed"
		case <-t.C:
			m.Tick()
		}
	}
}

// stopAll stops every tcpdump with SIGINT (it then prints its counts),
// and kills those still running stopGrace later.
func stopAll(srcs []*source) {
	for _, s := range srcs {
		s.stop(unix.SIGINT)
	}
	grace := time.After(stopGrace)
	for _, s := range srcs {
		select {
		case <-s.ended:
		case <-grace:
			for _, s := range srcs {
				s.stop(unix.SIGKILL)
			}
			<-s.ended
		}
	}
}
