package integration

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// kubectl nsj -R end to end: the pod's connections reach the operator's
// machine, dialed by kubectl-nsj itself (the operator's HTTP server asks
// ss which process holds the client end of each connection), over the
// exec into the agent, and Ctrl-C leaves no listener in the pod.

// operatorHTTP serves, on 127.0.0.1, the name of the process that dialed
// each request (ss -p of the peer's port).
func operatorHTTP(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, _ := exec.Command("ss", "-Htnp", "state", "established", "src", r.RemoteAddr).Output()
		fmt.Fprintf(w, "dialed by %s", strings.TrimSpace(string(out)))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func TestKubectlNsjReverseReachesTheOperatorsMachine(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	user := c.User(t, "nsj-user", "nsj-users")
	ns := harness.UniqueID("shop")
	c.RunPod(t, ns, "web", cluster.AllRunning)
	hp := operatorHTTP(t)
	refused := harness.FreePort(t)
	cmd := c.KubectlNsjCmd(t, user, "-n", ns, "web", "-R", fmt.Sprintf("9000:127.0.0.1:%d", hp), "-R", fmt.Sprintf("9001:127.0.0.1:%d", refused))
	f := harness.StartCmdForwarder(t, cmd, 2)

	// 20 at once from the pod, and one to a port nothing listens on.
	script := "for i in $(seq 20); do wget -qO- http://127.0.0.1:9000/ & done; wait; wget -qO- http://127.0.0.1:9001/ || echo REFUSED"
	out := c.KubectlNsj(t, user, "-n", ns, "web", "--", "sh", "-c", script).OK(t)
	if n := strings.Count(out, "dialed by ") - strings.Count(out, `"kubectl-nsj"`); strings.Count(out, `"kubectl-nsj"`) != 20 || n != 0 {
		t.Errorf("from the pod through -R: want 20 answers, each dialed by kubectl-nsj; got %q", out)
	}
	if !strings.HasSuffix(out, "REFUSED\n") {
		t.Errorf("a refused destination: %q, want wget to fail", out)
	}
	if !strings.Contains(f.Stderr(), "kubectl-nsj: warning: -R 9001:127.0.0.1:") || !strings.Contains(f.Stderr(), "connection refused") {
		t.Errorf("stderr %q: want one warning for the refused connection", f.Stderr())
	}
	if code := f.Stop(t, syscall.SIGINT); code != 0 {
		t.Errorf("after Ctrl-C: exit %d, want 0; stderr %s", code, f.Stderr())
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		tcp := c.KubectlNsj(t, user, "-n", ns, "web", "--", "cat", "/proc/net/tcp").OK(t)
		if !strings.Contains(tcp, ":2328 00000000:0000 0A") { // 9000 listening
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pod still listens on 9000 15s after Ctrl-C:\n%s", tcp)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
