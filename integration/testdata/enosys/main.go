// Command enosys runs a program as if the kernel lacked some system calls:
// it installs a seccomp filter that makes them fail with ENOSYS, as on a
// kernel too old to have them, and executes the program. The filter is
// inherited by everything the program executes and forks (nsj's re-exec
// and its child), and by nothing else.
//
//	enosys pidfd_open,openat2 nsj -t PID ps
//
// It sets no_new_privs only when it lacks CAP_SYS_ADMIN: as root it does
// not, so nsj keeps root's privileges. Build it with CGO_ENABLED=0.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// numbers of the system calls this test can take away, on this machine's
// architecture (x/sys/unix has them per GOARCH).
var numbers = map[string]uint32{
	"pidfd_open":        unix.SYS_PIDFD_OPEN,
	"pidfd_send_signal": unix.SYS_PIDFD_SEND_SIGNAL,
	"openat2":           unix.SYS_OPENAT2,
	"open_tree":         unix.SYS_OPEN_TREE,
	"move_mount":        unix.SYS_MOVE_MOUNT,
	"mount_setattr":     unix.SYS_MOUNT_SETATTR,
	"close_range":       unix.SYS_CLOSE_RANGE,
}

// auditArch is the AUDIT_ARCH_ of this architecture.
var auditArch = map[string]uint32{"amd64": unix.AUDIT_ARCH_X86_64, "arm64": unix.AUDIT_ARCH_AARCH64}

func main() {
	if len(os.Args) < 3 {
		fail("usage: enosys SYSCALL[,SYSCALL...] PROGRAM [ARG...]")
	}
	var nrs []uint32
	for _, name := range strings.Split(os.Args[1], ",") {
		nr, ok := numbers[name]
		if !ok {
			fail("unknown system call %q", name)
		}
		nrs = append(nrs, nr)
	}
	arch, ok := auditArch[runtime.GOARCH]
	if !ok {
		fail("unsupported architecture %s", runtime.GOARCH)
	}
	prog, err := exec.LookPath(os.Args[2])
	if err != nil {
		fail("%v", err)
	}
	runtime.LockOSThread()
	if err := install(filter(arch, nrs)); err != nil {
		fail("installing the seccomp filter: %v", err)
	}
	err = syscall.Exec(prog, os.Args[2:], os.Environ())
	fail("executing %s: %v", prog, err)
}

// filter returns ENOSYS for the system calls nrs and allows the rest; a
// call of another architecture (x32, i386) is killed.
func filter(arch uint32, nrs []uint32) []unix.SockFilter {
	const (
		archOff = 4 // offsetof(struct seccomp_data, arch)
		nrOff   = 0
	)
	enosys := unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	f := []unix.SockFilter{
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, archOff),
		jump(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, arch, 1, 0),
		stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_KILL_PROCESS),
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, nrOff),
	}
	for _, nr := range nrs {
		f = append(f, jump(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, nr, 0, 1), stmt(unix.BPF_RET|unix.BPF_K, enosys))
	}
	return append(f, stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW))
}

func stmt(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }

func jump(code uint16, k uint32, jt, jf uint8) unix.SockFilter {
	return unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k}
}

// install loads the filter on every thread (TSYNC); without CAP_SYS_ADMIN
// the kernel demands no_new_privs first.
func install(f []unix.SockFilter) error {
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	load := func() error {
		_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
			unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog)))
		if errno != 0 {
			return errno
		}
		return nil
	}
	err := load()
	if err == unix.EACCES {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("setting no_new_privs: %w", err)
		}
		err = load()
	}
	return err
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "enosys: "+format+"\n", args...)
	os.Exit(125)
}
