// Package fanout runs one command in many targets at once (nsj --all): up
// to N at a time, each target's output lines prefixed with its name (or
// bare, or as JSON records), escaped on a terminal, under a progress line;
// a Ctrl-C or a target's time limit stops the command's whole process
// group; and a run ends with one summary line of what failed.
//
// What "starting the command in a target" means is up to the caller
// (Target.Start): fanout only needs the process that runs it, the leader
// of a process group of its own, to wait for, signal and kill.
package fanout

import (
	"io"
	"os"
	"time"
)

// Target is one place to run the command in.
type Target struct {
	Name      string // the prefix of its output lines
	Namespace string // for the -o json exit record
	ID        string // for the -o json exit record
	// Start starts the command, with stdio as its stdin (/dev/null),
	// stdout and stderr (the write ends of pipes, closed after it returns).
	// An error means nothing could be started at all (no process); a
	// start that failed the way the command's own nsj would (after writing
	// why on stdio[2]) is a Started with PID 0 and its exit status.
	Start func(stdio [3]*os.File) (*Started, error)
}

// Started is what Target.Start started.
type Started struct {
	// PID leads the process group of the command: it is sent SIGINT,
	// SIGTERM or SIGHUP to stop the command, and the group is killed
	// (SIGKILL) when it does not. 0 when nothing runs; then Code is the
	// exit status of the failed start.
	PID  int
	Code int
	// Stopped tells, after a non-zero exit status, whether the target
	// itself stopped under the command (nil: never).
	Stopped func(code int) bool
	// Release, if not nil, frees what the start kept for Stopped.
	Release func()
}

// Format is how the output lines are written.
type Format int

const (
	Text Format = iota // "<target>: line", stderr lines on stderr
	Bare               // --no-prefix: the lines as they are
	JSON               // -o json: one record per line, all on stdout
)

// Options shape a run.
type Options struct {
	Jobs    int           // targets at a time (at least 1)
	Format  Format        //
	Timeout time.Duration // per target; 0: none
	Stdout  *os.File      // where the output goes; escaped if a terminal
	Stderr  *os.File      // stderr lines (Text, Bare) and the progress line
	// StopAtEOF, if not nil, is read until it ends (--stop-at-eof: nsj's
	// stdin); then the run stops as on SIGINT (eof.go).
	StopAtEOF io.Reader
}

// Summary is how a run ended: Code 0 and no Line when the command
// succeeded in every target; else the line to print and the exit status.
type Summary struct {
	Line string
	Code int
}

// Run runs the command in every target, Jobs at a time, writing their
// output as it comes, and returns the summary.
func Run(targets []Target, o Options) Summary {
	out := newFanOut(o, len(targets))
	r := newRunner(out, o.Timeout)
	r.stopAtEOF = o.StopAtEOF
	results, sig := r.run(targets, max(o.Jobs, 1))
	out.close()
	line, code := summary(results, sig)
	return Summary{line, code}
}
