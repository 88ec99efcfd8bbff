package integration

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// Attack: the container runs an impostor on the same port as the host's
// service, and the host runs one on the same port as the container's. An
// nsj whose sockets strayed into the wrong network namespace (a dial for
// -R made on a thread left in the container's, a -L dial made on the
// host's, a listener opened on the wrong side) would hand the container a
// connection meant for the host, or open a listener on the host that the
// container's options asked for inside. Every -L connection must reach the
// container's service and every -R connection the host's, under load, and
// the host must gain no listener but the -L ones.
func TestForwardSocketsStayInTheirNamespace(t *testing.T) {
	c, tk := forwardTask(t)
	const port = 7010
	host := namedServer(t, 0, port, "host")
	_ = host
	namedServer(t, tk.PID, port, "container")
	before := harness.Listeners(t, 0)
	lp := harness.FreePort(t)
	harness.StartForwarder(t, 2, append(on(c, tk), "-L", fmt.Sprintf("%d:127.0.0.1:%d", lp, port),
		"-R", fmt.Sprintf("0.0.0.0:9010:127.0.0.1:%d", port), tk.ID)...)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wrong := map[string]int{}
	for i := 0; i < 100; i++ {
		wg.Add(2)
		go func() { // -L: from the host, must land in the container
			defer wg.Done()
			if got, err := harness.RoundTrip(fmt.Sprintf("127.0.0.1:%d", lp), nil); string(got) != "container" {
				mu.Lock()
				wrong[fmt.Sprintf("-L reached %q (%v)", got, err)]++
				mu.Unlock()
			}
		}()
		go func() { // -R: from inside the container, must land on the host
			defer wg.Done()
			var got []byte
			var err error
			harness.InNetNS(t, tk.PID, func() { got, err = roundTripHere("127.0.0.1:9010") })
			if string(got) != "host" {
				mu.Lock()
				wrong[fmt.Sprintf("-R reached %q (%v)", got, err)]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for what, n := range wrong {
		t.Errorf("%d connections: %s", n, what)
	}
	after := harness.Listeners(t, 0)
	for _, l := range after {
		if !contains(before, l) && !strings.HasSuffix(l, fmt.Sprintf("(%d)", lp)) {
			t.Errorf("a new listener on the host: %s (the -R listener belongs in the container)", l)
		}
	}
	if !harness.ListensOn(harness.Listeners(t, tk.PID), 9010) {
		t.Errorf("no -R listener in the container: %q", harness.Listeners(t, tk.PID))
	}
}

// namedServer listens on 127.0.0.1:port in pid's network namespace (0: the
// host's) and answers every connection with name.
func namedServer(t *testing.T, pid uint32, port int, name string) net.Listener {
	t.Helper()
	var ln net.Listener
	var err error
	listen := func() { ln, err = net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port)) }
	if pid == 0 {
		listen()
	} else {
		harness.InNetNS(t, pid, listen)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprint(c, name)
			c.Close()
		}
	}()
	return ln
}

// roundTripHere is harness.RoundTrip, dialed on the calling thread (inside
// InNetNS: the container's network namespace).
func roundTripHere(addr string) ([]byte, error) { return harness.RoundTrip(addr, nil) }

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}
