package capture

import (
	"bufio"
	"fmt"
	"github.com/nsj-dev/nsj/internal/base/exit"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nsj-dev/nsj/internal/capture/pcapng"
	"github.com/nsj-dev/nsj/runtime"
	"golang.org/x/sys/unix"
)

// source is one tcpdump: one interface of one network namespace, run in
// it through nsj's own join, its pcap read into the merge.
type source struct {
	task   *runtime.Target // the task it was joined through
	ifname string          // the interface, in the task's network namespace
	iface  pcapng.Interface
	src    *pcapng.Source
	ready  chan struct{} // closed once its pcap header is read, or it ended
	ended  chan struct{} // closed once it exited and its statistics are in

	mu       sync.Mutex
	pid      int  // the joined process (it relays signals to tcpdump); 0 once reaped
	stopping bool // nsj stopped it
	started  bool // its header was read: it captured
	lines    []string
}

// tcpdumpCommand is the host's tcpdump on interface ifc, writing pcap
// with nanosecond timestamps to stdout, each packet as libpcap hands it
// over (-U). Not --immediate-mode: it made tcpdump drop most packets
// under load (docs/capture.md); libpcap then hands packets over in blocks,
// at the latest after its 1 s timeout.
func tcpdumpCommand(ifc string, o *Options) []string {
	cmd := []string{"tcpdump", "-i", ifc, "-w", "-", "-U", "--time-stamp-precision", "nano"}
	if o.Snaplen > 0 {
		cmd = append(cmd, "-s", fmt.Sprint(o.Snaplen))
	}
	if o.Filter != "" {
		cmd = append(cmd, "--", o.Filter)
	}
	return cmd
}

// start joins s's task and starts tcpdump there; the capture goes on in
// the background until s.ended is closed.
func (s *source) start(st Starter, cmd []string, m *pcapng.Merger, stderr io.Writer) error {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return fmt.Errorf("opening %s: %w", os.DevNull, err)
	}
	defer null.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("making a pipe for %s: %w", s.iface.Name, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return fmt.Errorf("making a pipe for %s: %w", s.iface.Name, err)
	}
	pid, err := st.StartCommand(s.task, cmd, [3]*os.File{null, outW, errW})
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return fmt.Errorf("%s: %w", s.iface.Name, err)
	}
	s.pid = pid
	read := make(chan struct{})
	go func() { s.readStderr(errR); close(read) }()
	go s.run(outR, m, read, stderr)
	return nil
}

func (s *source) readStderr(r *os.File) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		s.mu.Lock()
		s.lines = append(s.lines, sc.Text())
		s.mu.Unlock()
	}
}

// run reads s's pcap into the merge until tcpdump exits, then hands in
// its statistics and says what went wrong, if anything.
func (s *source) run(out *os.File, m *pcapng.Merger, read <-chan struct{}, stderr io.Writer) {
	defer close(s.ended)
	start := time.Now().UnixNano()
	ifc, captured := s.capture(out, m)
	out.Close()
	code := s.wait()
	<-read
	stats, rest := tcpdumpStats(s.lines)
	if s.started {
		stats.Start, stats.End = start, time.Now().UnixNano()
		if stats.Has&pcapng.HasDelivered == 0 {
			stats.Delivered, stats.Has = captured, stats.Has|pcapng.HasDelivered
		}
		s.src.Stats(ifc, stats.End, stats)
	}
	s.src.Close()
	s.mu.Lock()
	stopping := s.stopping
	s.mu.Unlock()
	for _, line := range rest {
		if !strings.HasPrefix(line, "tcpdump: listening on ") {
			fmt.Fprintf(stderr, "nsj: %s: %s\n", s.iface.Name, line)
		}
	}
	if code != 0 && !stopping {
		fmt.Fprintf(stderr, "nsj: %s: tcpdump exited with status %d\n", s.iface.Name, code)
	}
}

// capture reads the pcap header, describes the interface in the merged
// stream, and hands in its packets until the stream ends; it returns the
// interface's number and how many packets it read.
func (s *source) capture(out io.Reader, m *pcapng.Merger) (uint32, uint64) {
	r, err := pcapng.NewPcapReader(out)
	if err != nil {
		close(s.ready)
		io.Copy(io.Discard, out)
		return 0, 0
	}
	s.iface.LinkType, s.iface.Snaplen = r.LinkType, r.Snaplen
	ifc, err := m.AddInterface(s.iface)
	s.started = err == nil
	close(s.ready)
	var n uint64
	for {
		p, err := r.Next()
		if err != nil {
			io.Copy(io.Discard, out) // let tcpdump finish writing
			return ifc, n
		}
		if s.started {
			s.src.Packet(ifc, p) // after an error of the merge, the run is ending
			n++
		}
	}
}

// wait reaps the joined process and returns its exit status (128+N for
// signal N).
func (s *source) wait() int {
	var info unix.Siginfo
	for unix.Waitid(unix.P_PID, s.pid, &info, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	status := exit.Reap(s.pid)
	s.pid = 0
	return status
}

// stop sends sig to tcpdump (through the joined process), unless it was
// reaped; SIGKILL goes to the joined process's whole group.
func (s *source) stop(sig unix.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
	if s.pid == 0 {
		return
	}
	if sig == unix.SIGKILL {
		unix.Kill(-s.pid, sig)
		return
	}
	unix.Kill(s.pid, sig)
}
