package harness

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Daemon is a process a test bed starts (containerd's neighbours: etcd,
// kube-apiserver, kubelet, dockerd): its output goes to a log file, and it
// is stopped by its PID.
type Daemon struct {
	Name, Log string
	Cmd       *exec.Cmd     // nil when attached
	done      chan struct{} // closed when it exits; nil when attached
	Proc      Proc
}

// StartDaemon starts bin with args, its output going to log. It dies with
// the test binary.
func StartDaemon(name, log, bin string, args ...string) (*Daemon, error) {
	return startDaemon(name, log, exec.Command(bin, args...))
}

// startDaemon starts cmd as StartDaemon does.
func startDaemon(name, log string, cmd *exec.Cmd) (*Daemon, error) {
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := &Daemon{Name: name, Log: log, Cmd: cmd, done: make(chan struct{})}
	d.Cmd.Stdout, d.Cmd.Stderr = f, f
	d.Cmd.SysProcAttr = DaemonAttr()
	if err := d.Cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	if d.Proc, err = ProcOf(d.Cmd.Process.Pid); err != nil {
		d.Cmd.Process.Kill()
		d.Cmd.Wait()
		return nil, err
	}
	go func() {
		d.Cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

// Exited reports whether the daemon is gone: it exited, or (attached, not
// our child) its PID no longer names it.
func (d *Daemon) Exited() bool {
	if d.done == nil {
		return !d.Proc.Alive()
	}
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM to the daemon's PID, then SIGKILL after grace.
func (d *Daemon) Stop(grace time.Duration) error {
	return d.Proc.Stop(d.Name, grace)
}

// Tail is the last lines of the daemon's log.
func (d *Daemon) Tail(lines int) string {
	b, err := os.ReadFile(d.Log)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	l := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// WaitFor polls ready until it succeeds, the daemon exits or timeout
// passes; the error then carries the end of the daemon's log.
func (d *Daemon) WaitFor(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		switch {
		case err == nil:
			return nil
		case d.Exited():
			return fmt.Errorf("%s exited at start (%s); its log ends:\n%s", d.Name, d.Cmd.ProcessState, d.Tail(30))
		case time.Now().After(deadline):
			return fmt.Errorf("%s not ready after %s: %w; its log ends:\n%s", d.Name, timeout, err, d.Tail(30))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
