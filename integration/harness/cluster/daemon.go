package cluster

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// daemon is one process of the one-node cluster (etcd, kube-apiserver,
// kubelet): started with its output in a log file, stopped by its PID.
type daemon struct {
	name, log string
	cmd       *exec.Cmd     // nil when attached
	done      chan struct{} // closed when it exits; nil when attached
	proc      harness.Proc
}

// startDaemon starts bin with args, its output going to log. It dies with
// the test binary.
func startDaemon(name, log, bin string, args ...string) (*daemon, error) {
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := &daemon{name: name, log: log, cmd: exec.Command(bin, args...), done: make(chan struct{})}
	d.cmd.Stdout, d.cmd.Stderr = f, f
	d.cmd.SysProcAttr = harness.DaemonAttr()
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	if d.proc, err = harness.ProcOf(d.cmd.Process.Pid); err != nil {
		d.cmd.Process.Kill()
		d.cmd.Wait()
		return nil, err
	}
	go func() {
		d.cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

func (d *daemon) exited() bool {
	if d.done == nil {
		return !d.proc.Alive()
	}
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the daemon's PID, then SIGKILL after grace.
func (d *daemon) stop(grace time.Duration) error {
	return d.proc.Stop(d.name, grace)
}

// tail is the last lines of the daemon's log.
func (d *daemon) tail(lines int) string {
	b, err := os.ReadFile(d.log)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	l := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// waitFor polls ready until it succeeds, the daemon exits or timeout
// passes; the error then carries the end of the daemon's log.
func (d *daemon) waitFor(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		switch {
		case err == nil:
			return nil
		case d.exited():
			return fmt.Errorf("%s exited at start (%s); its log ends:\n%s", d.name, d.cmd.ProcessState, d.tail(30))
		case time.Now().After(deadline):
			return fmt.Errorf("%s not ready after %s: %w; its log ends:\n%s", d.name, timeout, err, d.tail(30))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// httpOK is a readiness check: GET url answers 200. Certificates are not
// checked: the daemon's own log tells whether it serves the right one.
func httpOK(url string, cert *tls.Certificate) func() error {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	if cert != nil {
		tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	}
	c := &http.Client{Transport: tr, Timeout: 2 * time.Second}
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		r, err := c.Do(req)
		if err != nil {
			return err
		}
		r.Body.Close()
		if r.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, r.Status)
		}
		return nil
	}
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
