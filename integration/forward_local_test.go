package integration

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// nsj -L (docs/forward.md): the host reaches the container's loopback.

// forwardTask starts a busybox task for the forward tests.
func forwardTask(t *testing.T, args ...string) (*harness.Containerd, *harness.Task) {
	t.Helper()
	c := harness.SharedContainerd(t)
	var opts []harness.TaskOpt
	if len(args) > 0 {
		opts = append(opts, harness.WithArgs(args...))
	}
	return c, c.RunTask(t, harness.UniqueID("nsj-fwd"), harness.UniqueID("fwd"), opts...)
}

// on is the flags that name tk's containerd and namespace.
func on(c *harness.Containerd, tk *harness.Task) []string {
	return []string{"-a", c.Address, "-n", tk.Namespace}
}

// getWithin GETs url, retrying for a few seconds while the server starts.
func getWithin(t *testing.T, url string) string {
	t.Helper()
	var err error
	for i := 0; i < 50; i++ {
		var r *http.Response
		if r, err = http.Get(url); err == nil {
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			return string(b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("GET %s: %v", url, err)
	return ""
}

func TestForwardLocalReachesTheContainersLoopback(t *testing.T) {
	c, tk := forwardTask(t, "httpd", "-f", "-p", "127.0.0.1:8000", "-h", "/etc")
	port := harness.FreePort(t)
	f := harness.StartForwarder(t, 1, append(on(c, tk), "-L", fmt.Sprintf("%d:127.0.0.1:8000", port), tk.ID)...)
	if got := getWithin(t, fmt.Sprintf("http://127.0.0.1:%d/hostname", port)); got != "nsj-test\n" {
		t.Errorf("through -L: %q, want the container's /etc/hostname", got)
	}
	if l := f.Lines(); len(l) != 1 || !strings.Contains(l[0], fmt.Sprintf("forwarding 127.0.0.1:%d on the host to 127.0.0.1:8000 in task", port)) {
		t.Errorf("stderr %q: want one line per forward", l)
	}
	if code := f.Stop(t, syscall.SIGINT); code != 0 {
		t.Errorf("after Ctrl-C: exit %d, want 0; stderr %s", code, f.Stderr())
	}
}

func TestForwardCarries200ConcurrentConnections(t *testing.T) {
	c, tk := forwardTask(t)
	harness.EchoIn(t, tk.PID, 7000)
	port := harness.FreePort(t)
	harness.StartForwarder(t, 1, append(on(c, tk), "-L", fmt.Sprintf("%d:localhost:7000", port), tk.ID)...)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			payload := bytes.Repeat([]byte(fmt.Sprintf("connection %d;", i)), 2000+i*37)
			got, err := harness.RoundTrip(fmt.Sprintf("127.0.0.1:%d", port), payload)
			if err == nil && !bytes.Equal(got, payload) {
				err = fmt.Errorf("got %d bytes back, want its own %d", len(got), len(payload))
			}
			if err != nil {
				errs <- fmt.Errorf("connection %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// The client closes its writing side and still reads the whole answer,
// which the server sends only after it has read the client's end: the
// half-close crosses the forward both ways.
func TestForwardKeepsHalfClose(t *testing.T) {
	c, tk := forwardTask(t)
	var ln net.Listener
	var err error
	harness.InNetNS(t, tk.PID, func() { ln, err = net.Listen("tcp4", "127.0.0.1:7001") })
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // read to the end, then answer with the length read
		for {
			s, err := ln.Accept()
			if err != nil {
				return
			}
			n, _ := io.Copy(io.Discard, s)
			fmt.Fprintf(s, "read %d bytes", n)
			s.Close()
		}
	}()
	port := harness.FreePort(t)
	harness.StartForwarder(t, 1, append(on(c, tk), "-L", fmt.Sprintf("%d:127.0.0.1:7001", port), tk.ID)...)
	got, err := harness.RoundTrip(fmt.Sprintf("127.0.0.1:%d", port), make([]byte, 1<<20))
	if err != nil || string(got) != "read 1048576 bytes" {
		t.Errorf("after half-close: %q, %v; want the server's answer to the whole upload", got, err)
	}
}

func TestForwardRefusedDestinationFailsThatConnectionOnly(t *testing.T) {
	c, tk := forwardTask(t)
	harness.EchoIn(t, tk.PID, 7002)
	good, bad := harness.FreePort(t), harness.FreePort(t)
	f := harness.StartForwarder(t, 2, append(on(c, tk), "-L", fmt.Sprintf("%d:127.0.0.1:7002", good), "-L", fmt.Sprintf("%d:127.0.0.1:7003", bad), tk.ID)...)
	open, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", good))
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if got, err := harness.RoundTrip(fmt.Sprintf("127.0.0.1:%d", bad), []byte("x")); err == nil && len(got) > 0 {
		t.Errorf("nothing listens on the container's 7003, yet the forward answered %q", got)
	}
	fmt.Fprint(open, "still here")
	open.(*net.TCPConn).CloseWrite()
	if got, _ := io.ReadAll(open); string(got) != "still here" {
		t.Errorf("the connection open across the refused one: %q", got)
	}
	if got, err := harness.RoundTrip(fmt.Sprintf("127.0.0.1:%d", good), []byte("again")); string(got) != "again" {
		t.Errorf("a new connection after the refused one: %q, %v", got, err)
	}
	warned := 0
	for _, l := range f.Lines() {
		if strings.Contains(l, "connection refused") {
			warned++
			if !strings.HasPrefix(l, "nsj: warning: -L ") || !strings.Contains(l, ":127.0.0.1:7003") {
				t.Errorf("warning %q: want it to name the forward", l)
			}
		}
	}
	if warned != 1 {
		t.Errorf("want one warning for the refused connection; stderr: %s", f.Stderr())
	}
}
