package nsjoin

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Record kinds and flags of the wire format; keep in step with nsjoin.h.
const (
	kindNS     = 1
	kindPath   = 2
	kindArg    = 3
	kindEnv    = 4
	kindDir    = 5
	kindFlags  = 6
	kindRoot   = 7
	kindExecFD = 8

	flagMountProc   = 1 << 0
	flagMountSysfs  = 1 << 1
	flagDebug       = 1 << 2
	flagContainerFS = 1 << 3
	flagKeepCreds   = 1 << 4
	flagAll         = 1<<5 - 1 | flagHostPrivileges | flagSignalGroup

	magic         = "NSJ1"
	headerLen     = 8
	recordHeadLen = 8
	maxRequest    = 64 << 20
	maxNamespaces = 8
)

// NamespaceFD is an open namespace file handed to the constructor.
type NamespaceFD struct {
	Type string // "net", "pid", ...
	FD   int
}

// JoinRequest is everything the constructor needs to join and run a command.
type JoinRequest struct {
	Namespaces []NamespaceFD
	Path       string   // the executable, as execve(2) takes it
	Args       []string // argv, Args[0] included
	Env        []string // the command's whole environment, KEY=VALUE
	Dir        string   // "" keeps the caller's working directory
	MountProc  bool     // a fresh /proc for the joined pid namespace
	MountSysfs bool     // a fresh /sys for the joined network namespace
	Debug      bool     // the constructor writes each step to stderr

	// RootNS and RootAt (--root-at): the tree of mount namespace RootNS (an
	// open /proc/PID/ns/mnt) is attached at directory RootAt of nsj's
	// private view, which the constructor creates if missing and removes.
	RootNS int
	RootAt string
	// ContainerFS and ExecFD (--fs container), always together: the mount
	// namespace (a Namespaces entry "mnt") is joined, nothing is mounted,
	// and the child runs the open host binary ExecFD with execveat(2). Path
	// then only names it in messages, and Dir is a path in the container.
	ContainerFS bool
	ExecFD      int
	// KeepCreds (--preserve-credentials): in the joined user namespace
	// (a Namespaces entry "user", which it requires) the command keeps
	// nsj's uid, gid and groups instead of becoming the namespace's root.
	KeepCreds bool
	// Confine (--fs container) gives the command the container's privileges
	// (confine.c); HostPrivileges (--fs container --privileged) keeps the
	// host's on purpose. ContainerFS needs exactly one of them.
	Confine        *Confinement
	HostPrivileges bool
	// signalGroup: the join forwards signals to the process group it
	// leads (Spawner.Start sets it).
	signalGroup bool
}

// Encode validates r and returns its wire form.
func (r *JoinRequest) Encode() ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	b := make([]byte, headerLen, 256)
	copy(b, magic)
	for _, ns := range r.Namespaces {
		flag, _ := CloneFlag(ns.Type)
		payload := binary.NativeEndian.AppendUint32(nil, uint32(ns.FD))
		b = appendRecord(b, kindNS, binary.NativeEndian.AppendUint32(payload, uint32(flag)))
	}
	b = r.appendFS(b)
	b = r.appendConfine(b)
	b = appendRecord(b, kindPath, []byte(r.Path))
	for _, a := range r.Args {
		b = appendRecord(b, kindArg, []byte(a))
	}
	for _, e := range r.Env {
		b = appendRecord(b, kindEnv, []byte(e))
	}
	if r.Dir != "" {
		b = appendRecord(b, kindDir, []byte(r.Dir))
	}
	b = appendRecord(b, kindFlags, binary.NativeEndian.AppendUint32(nil, r.flags()))
	if len(b) > maxRequest {
		return nil, fmt.Errorf("the command and environment take %d bytes, more than %d", len(b), maxRequest)
	}
	binary.NativeEndian.PutUint32(b[4:], uint32(len(b)))
	return b, nil
}

func appendRecord(b []byte, kind uint16, payload []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, kind)
	b = binary.NativeEndian.AppendUint16(b, 0)
	b = binary.NativeEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

func (r *JoinRequest) flags() uint32 {
	var f uint32
	if r.MountProc {
		f |= flagMountProc
	}
	if r.MountSysfs {
		f |= flagMountSysfs
	}
	if r.Debug {
		f |= flagDebug
	}
	if r.ContainerFS {
		f |= flagContainerFS
	}
	if r.KeepCreds {
		f |= flagKeepCreds
	}
	if r.HostPrivileges {
		f |= flagHostPrivileges
	}
	if r.signalGroup {
		f |= flagSignalGroup
	}
	return f
}

// validate applies the rules the C decoder applies, so that a request the Go
// side builds is never one the constructor refuses.
func (r *JoinRequest) validate() error {
	if len(r.Namespaces) > maxNamespaces {
		return fmt.Errorf("%d namespaces, at most %d", len(r.Namespaces), maxNamespaces)
	}
	seen := map[string]bool{}
	fds := map[int]bool{}
	for _, ns := range r.Namespaces {
		flag, ok := CloneFlag(ns.Type)
		if !ok || (flag == unix.CLONE_NEWNS && !r.ContainerFS) {
			return fmt.Errorf("namespace type %q cannot be joined", ns.Type)
		}
		if ns.FD < 3 || ns.FD > 1<<20 || seen[ns.Type] || fds[ns.FD] {
			return fmt.Errorf("namespace %s: fd %d invalid or given twice", ns.Type, ns.FD)
		}
		seen[ns.Type], fds[ns.FD] = true, true
	}
	if err := r.validateFS(fds); err != nil {
		return err
	}
	if r.KeepCreds && !seen["user"] {
		return errors.New("keeping the credentials needs a user namespace to join")
	}
	if err := r.validateConfine(fds); err != nil {
		return err
	}
	if r.Path == "" || len(r.Args) == 0 {
		return errors.New("no command to run")
	}
	strs := append([]string{r.Path, r.Dir, r.RootAt}, r.Args...)
	for _, s := range append(strs, r.Env...) {
		if strings.IndexByte(s, 0) >= 0 {
			return fmt.Errorf("%q contains a NUL byte", s)
		}
	}
	for _, e := range r.Env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return fmt.Errorf("environment entry %q is not KEY=VALUE", e)
		}
	}
	return nil
}

// DecodeRequest parses the wire form; it mirrors the C decoder and exists
// for tests and fuzzing of the format.
func DecodeRequest(b []byte) (*JoinRequest, error) {
	if len(b) < headerLen || string(b[:4]) != magic {
		return nil, errors.New("not a join request (bad magic)")
	}
	if len(b) > maxRequest || int(binary.NativeEndian.Uint32(b[4:])) != len(b) {
		return nil, errors.New("request length does not match")
	}
	r := &JoinRequest{}
	flagsSeen := false
	for off := headerLen; off < len(b); {
		if len(b)-off < recordHeadLen {
			return nil, fmt.Errorf("truncated record header at byte %d", off)
		}
		kind := binary.NativeEndian.Uint16(b[off:])
		n := int(binary.NativeEndian.Uint32(b[off+4:]))
		if binary.NativeEndian.Uint16(b[off+2:]) != 0 || n > len(b)-off-recordHeadLen {
			return nil, fmt.Errorf("malformed record at byte %d", off)
		}
		off += recordHeadLen
		if kind == kindFlags {
			if flagsSeen {
				return nil, errors.New("flags given twice")
			}
			flagsSeen = true
		}
		if err := r.decodeRecord(kind, b[off:off+n]); err != nil {
			return nil, err
		}
		off += n
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *JoinRequest) decodeRecord(kind uint16, p []byte) error {
	switch kind {
	case kindNS:
		if len(p) != 8 {
			return errors.New("namespace record is not 8 bytes")
		}
		fd, flag := binary.NativeEndian.Uint32(p), binary.NativeEndian.Uint32(p[4:])
		typ, ok := TypeOfFlag(int(flag))
		if !ok || fd > 1<<20 {
			return fmt.Errorf("namespace record %#x fd %d invalid", flag, fd)
		}
		r.Namespaces = append(r.Namespaces, NamespaceFD{Type: typ, FD: int(fd)})
	case kindFlags:
		if len(p) != 4 || binary.NativeEndian.Uint32(p)&^flagAll != 0 {
			return errors.New("invalid flags record")
		}
		f := binary.NativeEndian.Uint32(p)
		r.MountProc, r.MountSysfs, r.Debug = f&flagMountProc != 0, f&flagMountSysfs != 0, f&flagDebug != 0
		r.ContainerFS, r.KeepCreds = f&flagContainerFS != 0, f&flagKeepCreds != 0
		r.HostPrivileges = f&flagHostPrivileges != 0
	case kindRoot, kindExecFD:
		return r.decodeFSRecord(kind, p)
	case kindCreds, kindRlimit, kindSeccomp, kindCgroup:
		return r.decodeConfineRecord(kind, p)
	case kindPath, kindDir:
		target := &r.Path
		if kind == kindDir {
			target = &r.Dir
		}
		if *target != "" || len(p) == 0 {
			return errors.New("path or directory empty or given twice")
		}
		*target = string(p)
	case kindArg:
		r.Args = append(r.Args, string(p))
	case kindEnv:
		r.Env = append(r.Env, string(p))
	default:
		return fmt.Errorf("unknown record kind %d", kind)
	}
	return nil
}
