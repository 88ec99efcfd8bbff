package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/internal/fanout"
	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Each joins the tasks of nsj --all, each as nsj TASK COMMAND would (the
// same prepare: namespaces, warnings, spec paths, --fs, -e, -w, $NSJ_ROOT
// and the recheck on the task's own containerd), and starts the
// constructor for it with an nsjoin.Spawner: no process but nsj --all
// itself runs Go or asks containerd.
type Each struct {
	ask     *Ask
	sel     nsjoin.Selection // --ns
	client  *runtime.Client  // the listing's, for rechecks
	spawner *nsjoin.Spawner

	// mu: one task at a time is joined, so that its warnings (logrus) go
	// to its stderr, prefixed with it, as a single nsj's would.
	mu sync.Mutex
}

// NewEach is ready to join the tasks that c listed, as a asks (its Task
// and PID unset); Close releases it.
func NewEach(a *Ask, c *runtime.Client) (*Each, error) {
	sel, err := parseNamespaceTypes(a.Types)
	if err != nil {
		return nil, err
	}
	sp, err := nsjoin.NewSpawner()
	if err != nil {
		return nil, err
	}
	return &Each{ask: a, sel: sel, client: c, spawner: sp}, nil
}

// Close releases the sealed binary; started joins keep running.
func (e *Each) Close() { e.spawner.Close() }

// Target is task t, listed, as fanout runs the command in it; name
// prefixes its output.
func (e *Each) Target(t *runtime.Target, name string) fanout.Target {
	return fanout.Target{Name: name, Namespace: t.Namespace, ID: t.ID,
		Start: func(stdio [3]*os.File) (*fanout.Started, error) { return e.start(t, stdio) }}
}

// start joins task t with stdio as the command's stdin, stdout and stderr.
// A join that fails says why on the task's stderr, as a single nsj does,
// and ends the task with nsj's exit status for it.
func (e *Each) start(t *runtime.Target, stdio [3]*os.File) (*fanout.Started, error) {
	pin := pinInit(t.PID)
	st := &fanout.Started{
		Stopped: func(code int) bool { return e.stopped(t, pin, code) },
		Release: func() {
			if pin >= 0 {
				unix.Close(pin)
			}
		},
	}
	pid, err := e.join(t, nil, stdio)
	if err != nil {
		fmt.Fprintf(stdio[2], "nsj: %s\n", exit.OneLine(err.Error()))
		st.Code = exit.Code(err)
		return st, nil
	}
	st.PID = pid
	return st, nil
}

// StartCommand joins task t as Target's Start does, but runs command in
// place of the Ask's (nsj capture: one tcpdump per interface). It returns
// the PID of the joined process, which relays signals to the command.
func (e *Each) StartCommand(t *runtime.Target, command []string, stdio [3]*os.File) (int, error) {
	return e.join(t, command, stdio)
}

// join prepares task t's join, as Prepare does a single one's, and starts
// it, with command in place of the Ask's if not nil.
func (e *Each) join(t *runtime.Target, command []string, stdio [3]*os.File) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	logrus.SetOutput(stdio[2])
	defer logrus.SetOutput(os.Stderr)
	if t.Spec == nil { // List warned that it could not read it
		return 0, exit.Errorf(exit.Failure, "task %s/%s: nsj could not read its container's spec, so it cannot tell which namespaces to join; see nsj --inspect -n %s %s", t.Namespace, t.ID, t.Namespace, t.ID)
	}
	a := *e.ask
	a.Task = t.ID // for examples in messages
	if command != nil {
		a.Command = command
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.Containerd.Timeout)
	defer cancel()
	p, err := prepare(&a, func() (*target, error) { return foundTask(ctx, e.client, func() {}, t, e.sel, &a), nil })
	if err != nil {
		return 0, err
	}
	defer p.Close()
	pid, err := e.spawner.Start(p.Request, stdio)
	if err != nil {
		return 0, fmt.Errorf("joining %s: %w", p.Target, err)
	}
	return pid, nil
}

// stopped tells a failed command from a task that stopped under it: after a
// non-zero exit, the task stopped if its init process (pinned by pin, a
// pidfd, before the join; -1 if that failed) has exited, or if containerd
// says that the task no longer runs with the same PID.
func (e *Each) stopped(t *runtime.Target, pin, code int) bool {
	// When a task's init dies, the kernel kills the command (SIGKILL) before
	// the init has quite finished exiting: give it a moment.
	wait := 0
	if code == 128+int(syscall.SIGKILL) {
		wait = int(initExitWait.Milliseconds())
	}
	if pin >= 0 && exited(pin, wait) {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.ask.Containerd.Timeout)
	defer cancel()
	again := *t
	return errors.Is(e.client.Recheck(ctx, &again), runtime.ErrChanged)
}

// initExitWait bounds how long stopped waits for a task's init to exit
// after the command was killed.
const initExitWait = time.Second

// pinInit opens a pidfd for a task's init process, or returns -1.
func pinInit(pid uint32) int {
	fd, err := unix.PidfdOpen(int(pid), 0)
	if err != nil {
		return -1
	}
	return fd
}

// exited reports whether the process of pidfd has exited (a zombie too),
// waiting up to ms milliseconds for it.
func exited(pidfd, ms int) bool {
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, ms)
		if err != unix.EINTR {
			return err == nil && n > 0
		}
	}
}
