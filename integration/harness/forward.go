package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Helpers for the tests of nsj -L/-R (integration/forward_*_test.go): a
// background nsj that forwards, an echo server, code run inside a
// container's network namespace, and the listeners a namespace has.

// InNetNS runs fn on a locked thread inside the network namespace of pid,
// then puts the thread back (or, failing that, lets it die).
func InNetNS(t testing.TB, pid uint32, fn func()) {
	t.Helper()
	target, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	defer home.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		fn()
		if err := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		runtime.UnlockOSThread()
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatalf("in the network namespace of PID %d: %v", pid, err)
	}
}

// Echo serves ln until it is closed: each connection gets back what it
// sent, and the server closes its writing side once the client closed
// its own (so a client that half-closes still reads the whole echo).
func Echo(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			io.Copy(c, c)
			c.(*net.TCPConn).CloseWrite()
		}()
	}
}

// EchoIn starts an echo server on 127.0.0.1:port inside pid's network
// namespace, closed when the test ends.
func EchoIn(t testing.TB, pid uint32, port int) {
	t.Helper()
	var ln net.Listener
	var err error
	InNetNS(t, pid, func() { ln, err = net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port)) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go Echo(ln)
}

// RoundTrip sends payload on a new connection to addr, half-closes, and
// returns what came back before the other side closed.
func RoundTrip(addr string, payload []byte) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(payload); err != nil {
		return nil, err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return nil, err
	}
	return io.ReadAll(c)
}

// FreePort is a TCP port free on the host's loopback now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Listeners are the TCP sockets in LISTEN state of the network namespace
// of pid (0: the test's own), as ADDR:PORT in hex as /proc/net/tcp{,6} show
// them, with their port in decimal: "0100007F:1F90 (8080)".
func Listeners(t testing.TB, pid uint32) []string {
	t.Helper()
	proc := "/proc/self/net/"
	if pid != 0 {
		proc = fmt.Sprintf("/proc/%d/net/", pid)
	}
	var out []string
	for _, f := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(proc + f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 4 || fs[3] != "0A" {
				continue
			}
			_, hexPort, _ := strings.Cut(fs[1], ":")
			port, _ := strconv.ParseUint(hexPort, 16, 16)
			out = append(out, fmt.Sprintf("%s (%d)", fs[1], port))
		}
	}
	return out
}

// ListensOn says whether listeners (Listeners) include port.
func ListensOn(listeners []string, port int) bool {
	for _, l := range listeners {
		if strings.HasSuffix(l, fmt.Sprintf("(%d)", port)) {
			return true
		}
	}
	return false
}

// Forwarder is nsj running in the background with -L/-R.
type Forwarder struct {
	Cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
}

// StartForwarder starts nsj with args and waits until it has announced
// n forwards on stderr ("forwarding ..."), or has exited.
func StartForwarder(t testing.TB, n int, args ...string) *Forwarder {
	t.Helper()
	return StartCmdForwarder(t, NsjCommand(t, NsjPath(t), args...), n)
}

// StartCmdForwarder is StartForwarder for any command that forwards as
// nsj does (kubectl nsj -R).
func StartCmdForwarder(t testing.TB, cmd *exec.Cmd, n int) *Forwarder {
	t.Helper()
	args := cmd.Args
	f := &Forwarder{Cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	f.Cmd.Stderr = f.stderr
	if err := f.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { f.Cmd.Wait(); close(f.done) }()
	t.Cleanup(func() {
		f.Cmd.Process.Kill()
		<-f.done
	})
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(f.stderr.String(), "forwarding ") < n {
		select {
		case <-f.done:
			t.Fatalf("nsj %s exited %d before forwarding: %s", strings.Join(args, " "), f.Cmd.ProcessState.ExitCode(), f.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nsj %s did not announce %d forwards within 30s: %s", strings.Join(args, " "), n, f.stderr.String())
		}
	}
	return f
}

// Stderr is what nsj wrote on stderr so far.
func (f *Forwarder) Stderr() string { return f.stderr.String() }

// Stop sends sig and waits (10s at most) for nsj to exit; it returns the
// exit code.
func (f *Forwarder) Stop(t testing.TB, sig syscall.Signal) int {
	t.Helper()
	f.Cmd.Process.Signal(sig)
	return f.Wait(t, 10*time.Second)
}

// Wait waits up to d for nsj to exit and returns its exit code.
func (f *Forwarder) Wait(t testing.TB, d time.Duration) int {
	t.Helper()
	select {
	case <-f.done:
		return f.Cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Fatalf("nsj did not exit within %s; stderr: %s", d, f.stderr.String())
		return -1
	}
}

// Lines are stderr's lines so far.
func (f *Forwarder) Lines() []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(f.stderr.String()))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for a writer and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
