package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/nsj-dev/nsj/internal/fanout"
	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// taskJoiner joins the tasks of nsj --all, each as a single nsj TASK
// COMMAND would (joinRequest: the same namespaces, warnings, spec paths,
// --fs, -e and -w, and recheck), and starts the constructor for it
// directly: no process but nsj --all itself runs Go or asks containerd.
type taskJoiner struct {
	o       *options
	sel     nsjoin.Selection // --ns
	client  *runtime.Client  // the listing's, for rechecks
	spawner *nsjoin.Spawner

	// mu: one task at a time is joined, so that its warnings (logrus) go
	// to its stderr, prefixed with it, as a single nsj's would.
	mu sync.Mutex
}

// start joins task t with stdio as the command's stdin, stdout and stderr.
// A join that fails says why on the task's stderr, as the task's own nsj
// did, and ends the task with nsj's exit status for it.
func (j *taskJoiner) start(t *runtime.Target, stdio [3]*os.File) (*fanout.Started, error) {
	pin := pinInit(t.PID)
	st := &fanout.Started{
		Stopped: func(code int) bool { return j.stopped(t, pin, code) },
		Release: func() {
			if pin >= 0 {
				unix.Close(pin)
			}
		},
	}
	pid, err := j.join(t, stdio)
	if err != nil {
		fmt.Fprintf(stdio[2], "nsj: %s\n", oneLine(err.Error()))
		st.Code = exitStatus(err)
		return st, nil
	}
	st.PID = pid
	return st, nil
}

func (j *taskJoiner) join(t *runtime.Target, stdio [3]*os.File) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	logrus.SetOutput(stdio[2])
	defer logrus.SetOutput(os.Stderr)
	if t.Spec == nil { // List warned that it could not read it
		return 0, fmt.Errorf("task %s/%s: nsj could not read its container's spec, so it cannot tell which namespaces to join; see nsj --inspect -n %s %s", t.Namespace, t.ID, t.Namespace, t.ID)
	}
	cmd, fsv, err := openCommand(j.o)
	if err != nil {
		return 0, err
	}
	defer fsv.close()
	ctx, cancel := context.WithTimeout(context.Background(), j.o.timeout)
	defer cancel()
	tg := foundTask(ctx, j.client, t, j.sel, j.o, func() {})
	req, release, err := joinRequest(j.o, cmd, fsv, tg)
	if err != nil {
		return 0, err
	}
	defer release()
	pid, err := j.spawner.Start(req, stdio)
	if err != nil {
		return 0, fmt.Errorf("joining %s: %w", tg.name, err)
	}
	return pid, nil
}

// exitStatus is nsj's exit status for an error, as run gives it.
func exitStatus(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitFailure
}

// stopped tells a failed command from a task that stopped under it: after a
// non-zero exit, the task stopped if its init process (pinned by pin, a
// pidfd, before the join; -1 if that failed) has exited, or if containerd
// says that the task no longer runs with the same PID.
func (j *taskJoiner) stopped(t *runtime.Target, pin, code int) bool {
	// When a task's init dies, the kernel kills the command (SIGKILL) before
	// the init has quite finished exiting: give it a moment.
	wait := 0
	if code == 128+int(syscall.SIGKILL) {
		wait = int(initExitWait.Milliseconds())
	}
	if pin >= 0 && exited(pin, wait) {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), j.o.timeout)
	defer cancel()
	again := *t
	return errors.Is(j.client.Recheck(ctx, &again), runtime.ErrChanged)
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
