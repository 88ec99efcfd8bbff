package nsjoin

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Spawner starts joins as new processes, where Exec replaces the calling
// one: nsj --all, which has found and opened every task itself, starts the
// constructor once per task, and no Go runtime starts in any of them.
type Spawner struct {
	exe     string // nsj's binary, sealed (sealedOrCopy)
	release func()
	env     []string // nsj's environment without its private variables
}

// NewSpawner seals nsj's binary once for every join it starts.
func NewSpawner() (*Spawner, error) {
	exe, release, err := sealedOrCopy()
	if err != nil {
		return nil, err
	}
	return &Spawner{exe: throughParent(exe), release: release, env: WithoutPrivate(os.Environ())}, nil
}

// throughParent turns a sealed binary's /proc/self/fd/N path into
// /proc/PID/fd/N, PID this process's: between fork and exec, Go moves the
// new process's files into place with dup3, onto numbers that may be N,
// while this process's own N stays what it is.
func throughParent(exe string) string {
	if rest, ok := strings.CutPrefix(exe, "/proc/self/"); ok {
		return fmt.Sprintf("/proc/%d/%s", os.Getpid(), rest)
	}
	return exe
}

// Close releases the sealed binary; started joins keep running.
func (s *Spawner) Close() { s.release() }

// Start starts the constructor for r, with stdio as its fds 0-2, and
// returns its PID. The process leads a session of its own, without a
// controlling terminal, and so its process group (a Ctrl-C on the terminal
// does not reach it, and the command, which stays in that group, has
// nothing of the operator's session or terminal); it is killed if the
// calling thread dies (PR_SET_PDEATHSIG), and forwards the signals it gets
// to its whole group (NSJ_FLAG_SIGNAL_GROUP): signalling it stops the
// command and what it started. Killing the group (-PID) ends them all.
//
// r's files keep their numbers in this process; the new one gets them
// as fds 3 and up, in a copy of r that says so, and the sealed request
// after them. Files of this process that are close-on-exec, as Go opens
// every file, never reach it: several starts may run at once.
func (s *Spawner) Start(r *JoinRequest, stdio [3]*os.File) (int, error) {
	return s.start(r, stdio, true)
}

// StartInJob starts the constructor for r as Start does, but in the
// caller's session and process group, with its terminal, as Exec would
// have run it: nsj -L/-R COMMAND, whose Go side stays to forward while
// the command runs. Signals reach the command as under Exec: the
// terminal's to the whole foreground group, the constructor's own
// forwarded to the command.
func (s *Spawner) StartInJob(r *JoinRequest, stdio [3]*os.File) (int, error) {
	return s.start(r, stdio, false)
}

// start is Start (ownSession) or StartInJob.
func (s *Spawner) start(r *JoinRequest, stdio [3]*os.File, ownSession bool) (int, error) {
	files := []uintptr{stdio[0].Fd(), stdio[1].Fd(), stdio[2].Fd()}
	c := r.renumbered(func(fd int) int {
		files = append(files, uintptr(fd))
		return len(files) - 1
	})
	c.signalGroup = ownSession
	b, err := c.Encode()
	if err != nil {
		return 0, fmt.Errorf("building the join request: %w", err)
	}
	fd, err := writeSealed(b)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	files = append(files, uintptr(fd))
	attr := &syscall.ProcAttr{
		Env:   append(slices.Clip(s.env), requestVar(len(files)-1)),
		Files: files,
		Sys:   &syscall.SysProcAttr{Setsid: ownSession, Pdeathsig: syscall.SIGKILL},
	}
	pid, err := syscall.ForkExec(s.exe, reexecArgs(), attr)
	if err != nil {
		return 0, fmt.Errorf("starting nsj's join: %w", err)
	}
	return pid, nil
}

// renumbered is a copy of r whose files are numbered by number (0, for no
// root or binary, stays 0).
func (r *JoinRequest) renumbered(number func(int) int) *JoinRequest {
	c := *r
	if r.RootNS != 0 {
		c.RootNS = number(r.RootNS)
	}
	if r.ExecFD != 0 {
		c.ExecFD = number(r.ExecFD)
	}
	c.Namespaces = slices.Clone(r.Namespaces)
	for i := range c.Namespaces {
		c.Namespaces[i].FD = number(c.Namespaces[i].FD)
	}
	if r.Confine != nil {
		cf := *r.Confine
		cf.Cgroups = slices.Clone(cf.Cgroups)
		for i := range cf.Cgroups {
			cf.Cgroups[i].FD = number(cf.Cgroups[i].FD)
		}
		c.Confine = &cf
	}
	return &c
}
