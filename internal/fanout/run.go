package fanout

import (
	"errors"
	"fmt"
	"github.com/nsj-dev/nsj/internal/base/exit"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Statuses of a target (the "status" of -o json exit records).
const (
	statusOK         = "ok"          // the command exited 0
	statusFailed     = "failed"      // it exited non-zero, timed out, or could not start
	statusStopped    = "stopped"     // the target stopped (or restarted) during the run
	statusNotStarted = "not-started" // the run was interrupted before its turn
)

// taskResult is how the command went in one target.
type taskResult struct {
	name     string // as the output prefixes it
	target   *Target
	status   string
	code     int           // exit status of the target's process (128+N for signal N)
	err      error         // nothing could be started
	timedOut time.Duration // the time limit it ran into; 0: it did not
}

// killGrace is how long the commands have to exit after a SIGINT, SIGTERM
// or SIGHUP was forwarded to them; then (or on a second signal) their
// process groups are killed.
const killGrace = 10 * time.Second

// timeoutGrace is how long a command that ran out of time has after
// SIGTERM before its process group is killed.
const timeoutGrace = 2 * time.Second

// lingerGrace is how long, after a target's process exited, its output
// pipes are still read: processes its command left in the background may
// hold them open.
const lingerGrace = time.Second

// runner starts the command in each target, at most jobs at a time, and
// stops them all on SIGINT, SIGTERM or SIGHUP.
type runner struct {
	out     *fanOut
	timeout time.Duration
	null    *os.File // stdin of every command
	// stopAtEOF, if not nil, ending stops the run as SIGINT does (eof.go).
	stopAtEOF io.Reader

	mu       sync.Mutex
	running  map[int]*taskResult // leader PID -> its target; unreaped (so the PID is not reused)
	stop     chan struct{}       // closed on the first signal: start nothing more
	signaled os.Signal
}

func newRunner(out *fanOut, timeout time.Duration) *runner {
	return &runner{out: out, timeout: timeout, running: map[int]*taskResult{}, stop: make(chan struct{})}
}

// run runs the command in every target, jobs at a time, and returns the
// results in the order of targets, and the signal that interrupted the
// run, if any.
func (r *runner) run(targets []Target, jobs int) ([]taskResult, os.Signal) {
	results := make([]taskResult, len(targets))
	for i := range targets {
		results[i] = taskResult{name: targets[i].Name, target: &targets[i], status: statusNotStarted}
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		for i := range results {
			results[i].status, results[i].err = statusFailed, fmt.Errorf("opening %s for the command's stdin: %w", os.DevNull, err)
		}
		return results, nil
	}
	defer null.Close()
	r.null = null
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if r.stopAtEOF != nil {
		go interruptAtEOF(r.stopAtEOF, sigs)
	}
	finished := make(chan struct{})
	watched := make(chan struct{})
	go func() { r.watch(sigs, finished); close(watched) }()

	slots := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i := range targets {
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

// watch forwards the first signal to every target's process, which
// forwards it to its command's process group, and kills those groups on a
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
	for pid := range r.running {
		unix.Kill(pid, sig.(syscall.Signal))
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
	for pid := range r.running {
		unix.Kill(-pid, unix.SIGKILL)
	}
}

// runOne runs the command in one target and records how it went; false if
// it did not start it because the run was interrupted.
func (r *runner) runOne(res *taskResult) bool {
	outs, st, err := r.start(res)
	if errors.Is(err, errStopped) {
		return false
	}
	if err != nil {
		res.status, res.err = statusFailed, err
		return true
	}
	if st.Release != nil {
		defer st.Release()
	}
	r.out.started()
	var pumps sync.WaitGroup
	for i, stream := range []string{"stdout", "stderr"} {
		pumps.Add(1)
		go func() { defer pumps.Done(); r.out.pump(outs[i], res.name, stream) }()
	}
	res.code = st.Code
	if st.PID != 0 {
		res.code = r.wait(st.PID, res)
	}
	for _, f := range outs {
		f.SetReadDeadline(time.Now().Add(lingerGrace))
	}
	pumps.Wait()
	closeAll(outs[:]...)
	res.status = r.classify(res, st.Stopped)
	r.out.finished(res.status != statusOK)
	return true
}

var errStopped = errors.New("the run was interrupted")

// start starts the command in a target, unless the run was interrupted;
// it returns the read ends of its stdout and stderr.
func (r *runner) start(res *taskResult) ([2]*os.File, *Started, error) {
	var outs, writes [2]*os.File
	for i := range outs {
		rd, wr, err := os.Pipe()
		if err != nil {
			closeAll(outs[:i]...)
			closeAll(writes[:i]...)
			return outs, nil, fmt.Errorf("making a pipe for task %s: %w", res.name, err)
		}
		outs[i], writes[i] = rd, wr
	}
	defer closeAll(writes[:]...)
	if r.stopped() {
		closeAll(outs[:]...)
		return outs, nil, errStopped
	}
	st, err := res.target.Start([3]*os.File{r.null, writes[0], writes[1]})
	if err != nil {
		closeAll(outs[:]...)
		return outs, nil, err
	}
	if st.PID == 0 {
		return outs, st, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running[st.PID] = res
	if r.stopped() { // a signal came while it started: it gets it too
		unix.Kill(st.PID, r.signaled.(syscall.Signal))
	}
	return outs, st, nil
}

// wait waits for the target's process, ending it at the time limit, and
// returns its exit status (128+N if signal N killed it).
func (r *runner) wait(pid int, res *taskResult) int {
	if r.timeout > 0 {
		limit := time.AfterFunc(r.timeout, func() { r.expire(pid, res) })
		defer limit.Stop()
	}
	// Wait without reaping, so that the PID is not reused while it is
	// signalled; then reap.
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			break
		}
	}
	r.mu.Lock()
	delete(r.running, pid)
	r.mu.Unlock()
	return exit.Reap(pid)
}

// expire ends a command that ran out of time: SIGTERM to its process
// group (through the target's process), SIGKILL timeoutGrace later.
func (r *runner) expire(pid int, res *taskResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[pid] != res {
		return
	}
	res.timedOut = r.timeout
	unix.Kill(pid, unix.SIGTERM)
	time.AfterFunc(timeoutGrace, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.running[pid] == res {
			unix.Kill(-pid, unix.SIGKILL)
		}
	})
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// classify tells a failed command from a target that stopped under it.
func (r *runner) classify(res *taskResult, stopped func(int) bool) string {
	switch {
	case res.timedOut != 0:
		return statusFailed
	case res.code == 0:
		return statusOK
	case r.stopped(): // the signal the run forwarded stopped it
		return statusFailed
	case stopped != nil && stopped(res.code):
		return statusStopped
	}
	return statusFailed
}
