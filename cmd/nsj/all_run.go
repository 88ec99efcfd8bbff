package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/nsj-dev/nsj/runtime"
	"golang.org/x/sys/unix"
)

// Statuses of a task in nsj --all (the "status" of -o json exit records).
const (
	statusOK         = "ok"          // the command exited 0
	statusFailed     = "failed"      // it exited non-zero, or nsj could not join the task
	statusStopped    = "stopped"     // the task stopped (or restarted) during the run
	statusNotStarted = "not-started" // nsj --all was interrupted before its turn
)

// taskResult is how the command went in one task.
type taskResult struct {
	name   string // as the output prefixes it
	target runtime.Target
	status string
	code   int   // exit status of the child nsj (128+N for signal N)
	err    error // the child could not be started
}

// envExpectTask tells a child nsj the exact task it was started for,
// NAMESPACE/ID; see expectedTask.
const envExpectTask = "_NSJ_ALL_TASK"

// killGrace is how long children have to exit after nsj --all forwarded a
// SIGINT/SIGTERM/SIGHUP; then (or on a second signal) they are killed.
const killGrace = 10 * time.Second

// lingerGrace is how long, after a child exited, its output pipes are still
// read: processes its command left in the background may hold them open.
const lingerGrace = time.Second

// runner starts one child nsj per task, at most jobs at a time, and stops
// them all on SIGINT, SIGTERM or SIGHUP.
type runner struct {
	exe     string   // the child: nsj itself
	flags   []string // the caller's join flags, before -a/-n
	address string   // containerd's socket
	command []string
	out     *fanOut
	client  *runtime.Client // to ask about tasks whose command failed
	// stopAtEOF: stdin ending stops the run as SIGINT does (all_eof.go).
	stopAtEOF bool

	mu       sync.Mutex
	running  map[*os.Process]bool
	stop     chan struct{} // closed on the first signal: start nothing more
	signaled os.Signal
}

func newRunner(exe string, flags []string, c *runtime.Client, command []string, out *fanOut) *runner {
	return &runner{exe: exe, flags: flags, address: c.Address(), command: command, out: out, client: c,
		running: map[*os.Process]bool{}, stop: make(chan struct{})}
}

// run runs the command in every task, jobs at a time, and returns the
// results in the order of tasks, and the signal that interrupted the run, if any.
func (r *runner) run(tasks []runtime.Target, names []string, jobs int) ([]taskResult, os.Signal) {
	results := make([]taskResult, len(tasks))
	for i := range tasks {
		results[i] = taskResult{name: names[i], target: tasks[i], status: statusNotStarted}
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if r.stopAtEOF {
		go interruptAtEOF(os.Stdin, sigs)
	}
	finished := make(chan struct{})
	watched := make(chan struct{})
	go func() { r.watch(sigs, finished); close(watched) }()

	slots := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i := range tasks {
		select {
		case slots <- struct{}{}:
		case <-r.stop:
		}
		if r.stopped() {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			if r.runOne(&results[i]) {
				r.out.exit(&results[i])
			}
		}()
	}
	wg.Wait()
	close(finished)
	<-watched
	for i := range results {
		if results[i].status == statusNotStarted {
			r.out.exit(&results[i])
		}
	}
	return results, r.signaled
}

func (r *runner) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// watch forwards the first signal to every child, and kills them all on a
// second signal or killGrace later, until finished is closed.
func (r *runner) watch(sigs <-chan os.Signal, finished <-chan struct{}) {
	var sig os.Signal
	select {
	case sig = <-sigs:
	case <-finished:
		return
	}
	r.mu.Lock()
	r.signaled = sig
	close(r.stop)
	for p := range r.running {
		p.Signal(sig)
	}
	r.mu.Unlock()
	grace := time.NewTimer(killGrace)
	defer grace.Stop()
	select {
	case <-sigs:
	case <-grace.C:
	case <-finished:
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for p := range r.running {
		p.Kill()
	}
}

// runOne runs the command in one task through a child nsj and records how
// it went; false if it did not start it because the run was interrupted.
func (r *runner) runOne(res *taskResult) bool {
	pin := pinInit(res.target.PID)
	if pin >= 0 {
		defer unix.Close(pin)
	}
	cmd, outs, err := r.start(res)
	if errors.Is(err, errStopped) {
		return false
	}
	if err != nil {
		res.status, res.err = statusFailed, err
		return true
	}
	r.out.started()
	var pumps sync.WaitGroup
	for i, stream := range []string{"stdout", "stderr"} {
		pumps.Add(1)
		go func() { defer pumps.Done(); r.out.pump(outs[i], res.name, stream) }()
	}
	cmd.Wait()
	r.mu.Lock()
	delete(r.running, cmd.Process)
	r.mu.Unlock()
	for _, f := range outs {
		f.SetReadDeadline(time.Now().Add(lingerGrace))
	}
	pumps.Wait()
	for _, f := range outs {
		f.Close()
	}
	res.code = exitCode(cmd.ProcessState)
	res.status = r.classify(res, pin)
	r.out.finished(res.status != statusOK)
	return true
}

var errStopped = errors.New("nsj --all was interrupted")

// start starts the child nsj for a task, unless the run was interrupted;
// it returns the read ends of its stdout and stderr.
func (r *runner) start(res *taskResult) (*exec.Cmd, [2]*os.File, error) {
	var outs [2]*os.File
	address := cmp.Or(res.target.Socket, r.address) // the task's own containerd, of several
	args := append(append([]string{}, r.flags...), "-a", address, "-n", res.target.Namespace, "--", res.target.ID)
	cmd := exec.Command(r.exe, append(args, r.command...)...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), envExpectTask+"="+res.target.Namespace+"/"+res.target.ID)
	// Its own process group: a Ctrl-C on the terminal reaches nsj --all,
	// which forwards it; and if nsj --all dies, so do the children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var writes [2]*os.File
	for i := range outs {
		rd, wr, err := os.Pipe()
		if err != nil {
			closeAll(outs[:i]...)
			closeAll(writes[:i]...)
			return nil, outs, fmt.Errorf("making a pipe for task %s: %w", res.name, err)
		}
		outs[i], writes[i] = rd, wr
	}
	cmd.Stdout, cmd.Stderr = writes[0], writes[1]
	defer closeAll(writes[:]...)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped() {
		closeAll(outs[:]...)
		return nil, outs, errStopped
	}
	if err := cmd.Start(); err != nil {
		closeAll(outs[:]...)
		return nil, outs, fmt.Errorf("starting nsj for task %s: %w", res.name, err)
	}
	r.running[cmd.Process] = true
	return cmd, outs, nil
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// exitCode is a child's exit status, 128+N if signal N killed it.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// classify tells a failed command from a task that stopped under it. For a
// non-zero exit, the task stopped if its init process (pinned by pin, a
// pidfd, before the child started; -1 if that failed) has exited, or if
// containerd says that the task no longer runs with the same PID.
func (r *runner) classify(res *taskResult, pin int) string {
	switch {
	case res.code == 0:
		return statusOK
	case r.stopped(): // the signal nsj --all forwarded stopped it
		return statusFailed
	}
	// When a task's init dies, the kernel kills the command (SIGKILL) before
	// the init has quite finished exiting: give it a moment.
	wait := 0
	if res.code == 128+int(syscall.SIGKILL) {
		wait = int(initExitWait.Milliseconds())
	}
	if pin >= 0 && exited(pin, wait) {
		return statusStopped
	}
	t := res.target
	if err := r.client.Recheck(context.Background(), &t); errors.Is(err, runtime.ErrChanged) {
		return statusStopped
	}
	return statusFailed
}

// initExitWait bounds how long classify waits for a task's init to exit
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
