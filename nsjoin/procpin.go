package nsjoin

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// procDir pins a process on kernels without pidfd_open (before Linux 5.3),
// the way tools did before pidfds: an open /proc/PID directory keeps
// naming the process it was opened for, even once its PID is reused (files
// opened through it then fail with ESRCH or ENOENT), and the start time read
// through it (/proc/PID/stat, field 22) tells that process from any later
// owner of the PID. Namespace files are opened relative to it, and Alive
// re-reads the start time through it, so nsj never joins the namespaces of
// another process that got the PID in between.
type procDir struct {
	fd    int
	start uint64 // in clock ticks since boot
}

// pinProcDir pins pid by its /proc directory; why says why pidfd_open
// could not be used.
func pinProcDir(pid int, why error) (*Process, error) {
	fd, err := unix.Open(fmt.Sprintf("/proc/%d", pid), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("PID %d: %w", pid, ErrNoProcess)
	}
	if err != nil {
		return nil, fmt.Errorf("pinning PID %d by /proc/%d (pidfd_open: %v): %w", pid, pid, why, err)
	}
	d := &procDir{fd: fd}
	if d.start, err = d.startTime(); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENOENT) {
			return nil, fmt.Errorf("PID %d: %w", pid, ErrNoProcess)
		}
		return nil, fmt.Errorf("pinning PID %d: %w", pid, err)
	}
	logrus.Debugf("fallback: pidfd_open unavailable (%v; it needs Linux 5.3): PID %d pinned by its /proc directory, start time %d",
		why, pid, d.start)
	return &Process{PID: pid, pidfd: -1, dir: d}, nil
}

// alive reports ErrTargetExited unless the process the directory was opened
// for still runs (a zombie counts, as with pidfd_send_signal).
func (d *procDir) alive(pid int) error {
	start, err := d.startTime()
	if errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENOENT) || (err == nil && start != d.start) {
		return fmt.Errorf("PID %d: %w", pid, ErrTargetExited)
	}
	if err != nil {
		return fmt.Errorf("checking PID %d through /proc/%d: %w", pid, pid, err)
	}
	return nil
}

// openNamespace opens ns/TYPE relative to the directory; path names it in
// messages.
func (d *procDir) openNamespace(typ, path string) (*Namespace, error) {
	flag, ok := CloneFlag(typ)
	if !ok {
		return nil, fmt.Errorf("unknown namespace type %q", typ)
	}
	fd, err := unix.Openat(d.fd, "ns/"+typ, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return checkNamespace(typ, path, os.NewFile(uintptr(fd), path), flag)
}

// startTime reads field 22 of stat through the directory.
func (d *procDir) startTime() (uint64, error) {
	fd, err := unix.Openat(d.fd, "stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	buf := make([]byte, 1024)
	n, err := unix.Read(fd, buf)
	if err != nil {
		return 0, err
	}
	return parseStartTime(buf[:n])
}

// parseStartTime takes the start time from the text of /proc/PID/stat;
// the command name (field 2) may hold spaces and parentheses, so the fields
// are counted from its last ')'.
func parseStartTime(stat []byte) (uint64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/PID/stat: no ')'")
	}
	fields := bytes.Fields(stat[i+1:])
	const startField = 22 - 3 // fields after ')' start at field 3
	if len(fields) <= startField {
		return 0, fmt.Errorf("malformed /proc/PID/stat: %d fields", len(fields)+2)
	}
	v, err := strconv.ParseUint(string(fields[startField]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("malformed start time in /proc/PID/stat: %w", err)
	}
	return v, nil
}
