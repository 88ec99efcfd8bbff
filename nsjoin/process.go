package nsjoin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

var (
	// ErrNoProcess means the PID names no process.
	ErrNoProcess = errors.New("no such process")
	// ErrTargetExited means the target exited while nsj was opening its namespaces.
	ErrTargetExited = errors.New("the target exited")
)

// Process is a target process pinned by a pidfd (or, on kernels without
// pidfd_open, by its /proc/PID directory: see procpin.go): Alive tells
// whether the process it was opened for still runs, and its namespace files
// are opened through the pin.
type Process struct {
	PID   int
	pidfd int
	dir   *procDir // nil when pinned by pidfd
}

// PinProcess opens a pidfd for pid, or its /proc directory where the kernel
// has no pidfd_open (before 5.3).
func PinProcess(pid int) (*Process, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("PID %d: %w", pid, ErrNoProcess)
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil, fmt.Errorf("PID %d: %w", pid, ErrNoProcess)
	}
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		return pinProcDir(pid, err)
	}
	if err != nil {
		return nil, fmt.Errorf("pinning PID %d with pidfd_open: %w", pid, err)
	}
	return &Process{PID: pid, pidfd: fd}, nil
}

// Alive reports ErrTargetExited when the pinned process is gone, so that
// files opened from /proc/PID before the check are known to be its own.
func (p *Process) Alive() error {
	if p.dir != nil {
		return p.dir.alive(p.PID)
	}
	err := unix.PidfdSendSignal(p.pidfd, 0, nil, 0)
	if errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("PID %d: %w", p.PID, ErrTargetExited)
	}
	if err != nil {
		return fmt.Errorf("checking PID %d with pidfd_send_signal: %w", p.PID, err)
	}
	return nil
}

// Close releases the pin.
func (p *Process) Close() error {
	if p.dir != nil {
		return unix.Close(p.dir.fd)
	}
	return unix.Close(p.pidfd)
}

// NamespacePath is /proc/PID/ns/TYPE of the pinned process.
func (p *Process) NamespacePath(typ string) string {
	return filepath.Join("/proc", fmt.Sprint(p.PID), "ns", typ)
}

// OpenNamespace opens the pinned process's namespace of a type: through
// /proc/PID/ns, or relative to the pinned /proc/PID directory.
func (p *Process) OpenNamespace(typ string) (*Namespace, error) {
	if p.dir != nil {
		return p.dir.openNamespace(typ, p.NamespacePath(typ))
	}
	return OpenNamespace(typ, p.NamespacePath(typ))
}

// Namespace is an open namespace file.
type Namespace struct {
	Type  string
	Path  string // where it was opened from
	File  *os.File
	Inode uint64
	Dev   uint64
}

// Same reports whether two namespace files name the same namespace.
func (n *Namespace) Same(o *Namespace) bool { return n.Inode == o.Inode && n.Dev == o.Dev }

// OpenNamespace opens a namespace file of the given type (a /proc/PID/ns
// entry, a bind-mounted /var/run/netns file) and checks with NS_GET_NSTYPE
// that it is a namespace of that type.
func OpenNamespace(typ, path string) (*Namespace, error) {
	flag, ok := CloneFlag(typ)
	if !ok {
		return nil, fmt.Errorf("unknown namespace type %q", typ)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return checkNamespace(typ, path, f, flag)
}

// checkNamespace describes f, an open namespace file, or closes it.
func checkNamespace(typ, path string, f *os.File, flag int) (*Namespace, error) {
	ns, err := describe(typ, path, f, flag)
	if err != nil {
		f.Close()
		return nil, err
	}
	return ns, nil
}

func describe(typ, path string, f *os.File, flag int) (*Namespace, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	got, err := unix.IoctlRetInt(int(f.Fd()), unix.NS_GET_NSTYPE)
	if err != nil {
		return nil, fmt.Errorf("%s is not a namespace file: %w", path, err)
	}
	if got != flag {
		name, _ := TypeOfFlag(got)
		return nil, fmt.Errorf("%s is a %s namespace, not %s", path, name, typ)
	}
	return &Namespace{Type: typ, Path: path, File: f, Inode: st.Ino, Dev: st.Dev}, nil
}

// OwnNamespace describes nsj's own namespace of a type, for comparison.
func OwnNamespace(typ string) (*Namespace, error) {
	var st unix.Stat_t
	path := "/proc/self/ns/" + typ
	if err := unix.Stat(path, &st); err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	return &Namespace{Type: typ, Path: path, Inode: st.Ino, Dev: st.Dev}, nil
}

// Close closes every namespace file in nss.
func Close(nss []*Namespace) {
	for _, ns := range nss {
		if ns.File != nil {
			ns.File.Close()
		}
	}
}
