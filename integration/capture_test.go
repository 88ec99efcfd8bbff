package integration

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/internal/capture/pcapng"
)

// A node operator's session with nsj capture: containers ping each other
// and a peer, and one capture of all of them is read back with tshark.

// capturing is a running nsj capture.
type capturing struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	lines  chan string
	done   chan error
}

// startCapture starts nsj capture ARGS against containerd c and waits
// until it says what it captures on.
func startCapture(t *testing.T, c *harness.Containerd, stdout io.Writer, args ...string) *capturing {
	t.Helper()
	cmd := harness.NsjCommand(t, harness.NsjPath(t), append([]string{"capture", "-a", c.Address}, args...)...)
	cmd.Stdout = stdout
	cp := startCommand(t, cmd)
	cp.waitFor(t, "nsj: capturing on ")
	return cp
}

// startCommand starts a capture command (nsj capture, kubectl nsj
// capture), its stderr read line by line.
func startCommand(t *testing.T, cmd *exec.Cmd) *capturing {
	t.Helper()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cp := &capturing{cmd: cmd, stderr: &bytes.Buffer{}, lines: make(chan string, 100), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			cp.lines <- sc.Text()
		}
		close(cp.lines)
		cp.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return cp
}

// waitFor waits for a line of stderr that starts with prefix.
func (cp *capturing) waitFor(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-cp.lines:
			if !ok {
				t.Fatalf("nsj capture ended without saying %q:\n%s", prefix, cp.stderr)
			}
			cp.stderr.WriteString(line + "\n")
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("nsj capture did not say %q within 20s:\n%s", prefix, cp.stderr)
		}
	}
}

// wait waits for nsj capture to exit 0 and returns its stderr.
func (cp *capturing) wait(t *testing.T) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-cp.lines:
			if ok {
				cp.stderr.WriteString(line + "\n")
				continue
			}
			if err := <-cp.done; err != nil {
				t.Fatalf("nsj capture: %v\n%s", err, cp.stderr)
			}
			return cp.stderr.String()
		case <-timeout:
			t.Fatalf("nsj capture did not exit within 20s:\n%s", cp.stderr)
		}
	}
}

// packetsByInterface reads file with tshark: the number of packets per
// interface name, and whether their times never go back.
func packetsByInterface(t *testing.T, file string) (map[string]int, bool) {
	t.Helper()
	out, err := exec.Command("tshark", "-r", file, "-T", "fields", "-e", "frame.interface_name", "-e", "frame.time_epoch").Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", file, err)
	}
	counts, ordered, last := map[string]int{}, true, 0.0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, ts, _ := strings.Cut(line, "\t")
		v, err := strconv.ParseFloat(ts, 64)
		if err != nil {
			t.Fatalf("tshark printed %q", line)
		}
		ordered = ordered && v >= last
		last = v
		counts[name]++
	}
	return counts, ordered
}

// statistics reads the Interface Statistics Blocks of file, by interface name.
func statistics(t testing.TB, file string) map[string]pcapng.Stats {
	t.Helper()
	stats := map[string]pcapng.Stats{}
	eachBlock(t, file, func(name string, b pcapng.Block) {
		if b.Kind == pcapng.KindStats {
			stats[name] = b.Stats
		}
	})
	return stats
}

// eachBlock calls fn with each packet and statistics block of file, in
// order, and the name of its interface.
func eachBlock(t testing.TB, file string, fn func(name string, b pcapng.Block)) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapng.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("reading %s: %v", file, err)
		}
		switch b.Kind {
		case pcapng.KindInterface:
			names = append(names, b.Interface.Name)
		case pcapng.KindPacket, pcapng.KindStats:
			fn(names[b.If], b)
		}
	}
}

// untilWritten waits (up to 20s) until file holds want packets: the
// capture writes them as tcpdump reads them, late on a busy machine.
func untilWritten(t *testing.T, file string, want int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, _ := exec.Command("tshark", "-r", file, "-T", "fields", "-e", "frame.number").Output()
		if strings.Count(string(out), "\n") >= want {
			return
		}
	}
}

// blockOrder lists the blocks of file in order: a packet as its
// interface's name, statistics as "stats NAME".
func blockOrder(t *testing.T, file string) []string {
	t.Helper()
	var order []string
	eachBlock(t, file, func(name string, b pcapng.Block) {
		if b.Kind == pcapng.KindStats {
			name = "stats " + name
		}
		order = append(order, name)
	})
	return order
}

// noTcpdumpLeft fails the test if a tcpdump still runs in the network
// namespace of any of pids.
func noTcpdumpLeft(t *testing.T, pids ...uint32) {
	t.Helper()
	for _, pid := range pids {
		if left := harness.TcpdumpsIn(pid); len(left) > 0 {
			t.Errorf("tcpdump still runs in the network namespace of pid %d: pids %v", pid, left)
		}
	}
}

func TestCaptureMergesEveryContainersPacketsIntoOneFile(t *testing.T) {
	harness.RequireBinaries(t, "tcpdump", "tshark", "ip", "busybox", "nsenter")
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-cap")
	a, b := c.RunTask(t, ns, "web"), c.RunTask(t, ns, "db")
	c.RunTask(t, ns, "node-agent", harness.WithHostNetwork())
	net := harness.NewPeerNet(t, a.PID, b.PID)
	file := filepath.Join(t.TempDir(), "all.pcapng")

	cp := startCapture(t, c, nil, "-n", ns, "-w", file, "--all", "--", "icmp")
	harness.Ping(t, a.PID, net.PeerIP, 3) // web: 3 requests, 3 replies
	harness.Ping(t, b.PID, net.IPs[0], 2) // db and web: 2 and 2 each
	untilWritten(t, file, 14)
	cp.cmd.Process.Signal(syscall.SIGINT)
	stderr := cp.wait(t)

	counts, ordered := packetsByInterface(t, file)
	if want := map[string]int{"web:eth0": 10, "db:eth0": 4}; !equalCounts(counts, want) {
		t.Errorf("packets per interface: %v, want %v\n%s", counts, want, stderr)
	}
	if !ordered {
		t.Errorf("the packets' times go back")
	}
	for _, name := range []string{"web:eth0", "db:eth0"} {
		st := statistics(t, file)[name]
		if st.Has&pcapng.HasDropped == 0 || st.Has&pcapng.HasReceived == 0 || st.Dropped != 0 {
			t.Errorf("%s: statistics %+v, want received and dropped (0) counts", name, st)
		}
	}
	for _, want := range []string{"nsj: on the host's network, left out (--host-network captures there): node-agent", "nsj: 14 packets written; stopped by SIGINT"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	noTcpdumpLeft(t, a.PID, b.PID)
}

func equalCounts(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestCaptureGoesOnWhenAContainerStops(t *testing.T) {
	harness.RequireBinaries(t, "tcpdump", "tshark", "ip", "busybox", "nsenter")
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-cap")
	a, b := c.RunTask(t, ns, "web"), c.RunTask(t, ns, "db")
	net := harness.NewPeerNet(t, a.PID, b.PID)
	file := filepath.Join(t.TempDir(), "stop.pcapng")

	cp := startCapture(t, c, nil, "-n", ns, "-w", file, "web", "db", "--", "icmp")
	harness.Ping(t, a.PID, net.PeerIP, 2)
	untilWritten(t, file, 4)
	c.KillTask(t, ns, "web")
	cp.waitFor(t, "nsj: web stopped: its interfaces are closed, the capture goes on")
	cp.waitFor(t, "nsj: web:eth0 closed")
	harness.Ping(t, b.PID, net.PeerIP, 3)
	untilWritten(t, file, 10)
	cp.cmd.Process.Signal(syscall.SIGINT)
	stderr := cp.wait(t)

	counts, _ := packetsByInterface(t, file)
	if want := map[string]int{"web:eth0": 4, "db:eth0": 6}; !equalCounts(counts, want) {
		t.Errorf("packets per interface: %v, want %v\n%s", counts, want, stderr)
	}
	if st := statistics(t, file); len(st) != 2 {
		t.Errorf("statistics of %d interfaces, want 2: %+v", len(st), st)
	}
	// web's interface closed when web stopped: its statistics come before
	// db's later packets, not at the end.
	order := blockOrder(t, file)
	if i := slices.Index(order, "stats web:eth0"); i < 0 || !slices.Contains(order[i:], "db:eth0") {
		t.Errorf("web's statistics are not written before db's last packets: %v", order)
	}
	noTcpdumpLeft(t, b.PID)
}

func TestCaptureStopsAtTheCountAndWhenItsReaderGoesAway(t *testing.T) {
	harness.RequireBinaries(t, "tcpdump", "tshark", "ip", "busybox")
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-cap")
	a := c.RunTask(t, ns, "web")
	net := harness.NewPeerNet(t, a.PID)
	pinger := exec.Command("ip", "netns", "exec", net.Netns, "busybox", "ping", "-i", "0.05", net.IPs[0])
	if err := pinger.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pinger.Process.Kill(); pinger.Wait() })

	// -c 5 | tshark -r -: five packets, and nsj ends by itself.
	tshark := exec.Command("tshark", "-r", "-", "-T", "fields", "-e", "frame.interface_name")
	in, err := tshark.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	tshark.Stdout = &out
	if err := tshark.Start(); err != nil {
		t.Fatal(err)
	}
	cp := startCapture(t, c, in, "-n", ns, "-w", "-", "-c", "5", "web", "--", "icmp")
	stderr := cp.wait(t)
	in.Close()
	if err := tshark.Wait(); err != nil {
		t.Fatalf("tshark -r -: %v", err)
	}
	if got := strings.Count(out.String(), "web:eth0\n"); got != 5 || !strings.Contains(stderr, "the count (-c 5) was reached") {
		t.Errorf("tshark read %d packets of web:eth0 with -c 5, want 5:\n%s\n%s", got, out.String(), stderr)
	}
	noTcpdumpLeft(t, a.PID)

	// A reader that reads a little and goes away: nsj ends, exit 0.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cp = startCapture(t, c, w, "-n", ns, "-w", "-", "web", "--", "icmp")
	w.Close()
	if _, err := io.ReadFull(r, make([]byte, 300)); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if stderr := cp.wait(t); !strings.Contains(stderr, "the reader of the capture went away") {
		t.Errorf("stderr does not say that the reader went away:\n%s", stderr)
	}
	noTcpdumpLeft(t, a.PID)
}

func TestCaptureRefusesBadInputInOneLine(t *testing.T) {
	harness.RequireBinaries(t, "tcpdump")
	file := filepath.Join(t.TempDir(), "never.pcapng")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"web"}, "nsj: capture: say where the capture goes: -w FILE, or -w - for stdout"},
		{[]string{"-w", file}, "nsj: capture: name the containers (TASK, pod/NAME[/CONTAINER]) or give --all"},
		{[]string{"-w", file, "--all", "web"}, "nsj: capture: --all and the containers web: give one or the other"},
		{[]string{"-w", file, "-s", "300000", "web"}, "nsj: capture: -s 300000: a snapshot length is 1 to 262144 bytes"},
		{[]string{"-w", file, "web", "--", "icmp", "and", "nonsense"}, `nsj: capture: filter "icmp and nonsense": `},
		{[]string{"-w", file, "-f", "icmp", "web", "--", "udp"}, "nsj: capture: a filter with -f and after --: give it once"},
		{[]string{"-w", file, "-i", "eth0/x", "web"}, `nsj: capture: -i "eth0/x" is not an interface name`},
		{[]string{"-w", file, "--bogus", "web"}, "nsj: capture: unknown flag: --bogus; see nsj capture --help"},
	} {
		r := harness.Nsj(t, append([]string{"capture"}, tt.args...)...)
		r.Fails(t, 125, tt.want)
		if _, err := os.Stat(file); err == nil {
			t.Fatalf("nsj capture %v made %s", tt.args, file)
		}
	}
}
