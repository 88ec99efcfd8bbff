package integration

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// nsj -R (docs/forward.md): the container reaches a host service, and the
// end of nsj leaves nothing behind on either side.

// hostHTTP serves body on the host's 127.0.0.1 until the test ends.
func hostHTTP(t *testing.T, body string) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) })}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// wgetInside fetches url from a process of the container itself (runc exec).
func wgetInside(t *testing.T, c *harness.Containerd, tk *harness.Task, url string) (string, error) {
	t.Helper()
	out, err := c.TaskExec(tk.Namespace, tk.ID, false, "wget", "-qO-", url).CombinedOutput()
	return string(out), err
}

func TestForwardRemoteReachesTheHostFromInside(t *testing.T) {
	c, tk := forwardTask(t)
	hp := hostHTTP(t, "from the host")
	f := harness.StartForwarder(t, 1, append(on(c, tk), "-R", fmt.Sprintf("9000:127.0.0.1:%d", hp), tk.ID)...)
	if got, err := wgetInside(t, c, tk, "http://127.0.0.1:9000/"); got != "from the host" {
		t.Errorf("inside, through -R: %q, %v", got, err)
	}
	if !harness.ListensOn(harness.Listeners(t, tk.PID), 9000) || harness.ListensOn(harness.Listeners(t, 0), 9000) {
		t.Errorf("the -R listener must be in the container's network namespace and nowhere else: container %q, host %q",
			harness.Listeners(t, tk.PID), harness.Listeners(t, 0))
	}
	if l := f.Lines(); len(l) != 1 || !strings.Contains(l[0], "forwarding 127.0.0.1:9000 in task") {
		t.Errorf("stderr %q: want one line per forward", l)
	}
}

// Ctrl-C and SIGTERM end nsj promptly, with connections open both ways,
// and no listener is left in either network namespace.
func TestForwardEndsCleanOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			c, tk := forwardTask(t)
			harness.EchoIn(t, tk.PID, 7004)
			hostLn, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer hostLn.Close()
			go harness.Echo(hostLn)
			lp := harness.FreePort(t)
			f := harness.StartForwarder(t, 2, append(on(c, tk), "-L", fmt.Sprintf("%d:127.0.0.1:7004", lp),
				"-R", fmt.Sprintf("9001:%s", hostLn.Addr()), tk.ID)...)
			open, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", lp))
			if err != nil {
				t.Fatal(err)
			}
			defer open.Close()
			fmt.Fprint(open, "x") // dialed through, and left open
			open.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := open.Read(make([]byte, 1)); err != nil {
				t.Fatal(err)
			}
			if code := f.Stop(t, sig); code != 0 {
				t.Errorf("exit %d after %v, want 0; stderr %s", code, sig, f.Stderr())
			}
			if harness.ListensOn(harness.Listeners(t, 0), lp) || harness.ListensOn(harness.Listeners(t, tk.PID), 9001) {
				t.Errorf("a listener outlived nsj: host %q, container %q", harness.Listeners(t, 0), harness.Listeners(t, tk.PID))
			}
			if n, err := open.Read(make([]byte, 1)); err == nil {
				t.Errorf("the open connection still reads (%d bytes) after nsj ended", n)
			}
		})
	}
}

// With a COMMAND, the forwards last while it runs, and nsj exits with its
// status.
func TestForwardWithCommandEndsWithIt(t *testing.T) {
	c, tk := forwardTask(t)
	hp := hostHTTP(t, "for the command")
	r := harness.Nsj(t, append(on(c, tk), "-R", fmt.Sprintf("9002:127.0.0.1:%d", hp), tk.ID,
		"sh", "-c", "busybox wget -qO- http://127.0.0.1:9002/ && exit 7")...)
	if r.Code != 7 || r.Stdout != "for the command" {
		t.Errorf("exit %d, stdout %q, want 7 and the host's answer; stderr %s", r.Code, r.Stdout, r.Stderr)
	}
	if harness.ListensOn(harness.Listeners(t, tk.PID), 9002) {
		t.Errorf("the -R listener outlived the command: %q", harness.Listeners(t, tk.PID))
	}
}
