package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Detached makes the daemons the bed starts from now on outlive the
// program that starts them (the nsj-cluster program): each runs in a
// session of its own instead of being killed when its parent dies, and is
// stopped later by its recorded Proc.
var Detached bool

// DaemonAttr is how the bed starts a daemon: killed with the test binary,
// or detached.
func DaemonAttr() *syscall.SysProcAttr {
	if Detached {
		return &syscall.SysProcAttr{Setsid: true}
	}
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// Proc is a process known by its PID and start time, so that a PID reused
// by another program is never signalled.
type Proc struct {
	PID   int
	Start uint64 // clock ticks after boot (field 22 of /proc/PID/stat)
}

// ProcOf identifies the running process pid.
func ProcOf(pid int) (Proc, error) {
	start, err := startTime(pid)
	if err != nil {
		return Proc{}, fmt.Errorf("process %d: %w", pid, err)
	}
	return Proc{PID: pid, Start: start}, nil
}

func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) < 20 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// Alive reports whether the process still runs (a zombie counts as gone).
func (p Proc) Alive() bool {
	start, err := startTime(p.PID)
	if err != nil || start != p.Start {
		return false
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID))
	return !strings.Contains(string(b), "\nState:\tZ")
}

// Stop sends SIGTERM, then SIGKILL after grace, and waits until the
// process is gone.
func (p Proc) Stop(name string, grace time.Duration) error {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		if !p.Alive() {
			return nil
		}
		syscall.Kill(p.PID, sig)
		wait := grace
		if sig == syscall.SIGKILL {
			wait = 10 * time.Second
		}
		for deadline := time.Now().Add(wait); p.Alive() && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if p.Alive() {
		return fmt.Errorf("%s (pid %d) did not die after SIGKILL", name, p.PID)
	}
	return nil
}
