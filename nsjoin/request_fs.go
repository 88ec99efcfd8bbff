package nsjoin

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
)

// The ROOT and EXEC_FD records and the rules that tie them to the flags and
// to the "mnt" namespace (see nsjoin.h); request.c applies the same rules.

// appendFS writes the ROOT and EXEC_FD records, if any.
func (r *JoinRequest) appendFS(b []byte) []byte {
	if r.RootAt != "" {
		b = appendRecord(b, kindRoot, append(binary.NativeEndian.AppendUint32(nil, uint32(r.RootNS)), r.RootAt...))
	}
	if r.ExecFD != 0 {
		b = appendRecord(b, kindExecFD, binary.NativeEndian.AppendUint32(nil, uint32(r.ExecFD)))
	}
	return b
}

// decodeFSRecord reads a ROOT or EXEC_FD record; validate checks the rest.
func (r *JoinRequest) decodeFSRecord(kind uint16, p []byte) error {
	if len(p) < 4 || (kind == kindExecFD && len(p) != 4) {
		return fmt.Errorf("record of kind %d has %d bytes", kind, len(p))
	}
	fd := binary.NativeEndian.Uint32(p)
	if fd < 3 || fd > 1<<20 {
		return fmt.Errorf("fd %d out of range", fd)
	}
	if kind == kindExecFD {
		if r.ExecFD != 0 {
			return errors.New("exec fd given twice")
		}
		r.ExecFD = int(fd)
		return nil
	}
	if r.RootAt != "" || len(p) == 4 {
		return errors.New("root directory empty or given twice")
	}
	r.RootNS, r.RootAt = int(fd), string(p[4:])
	return nil
}

// validateFS applies the rules across records; fds holds the namespace fds.
func (r *JoinRequest) validateFS(fds map[int]bool) error {
	for _, fd := range []int{r.RootNS, r.ExecFD} {
		if fd == 0 {
			continue
		}
		if fd < 3 || fd > 1<<20 || fds[fd] {
			return fmt.Errorf("fd %d invalid or given twice", fd)
		}
		fds[fd] = true
	}
	if (r.RootNS != 0) != (r.RootAt != "") {
		return errors.New("a root directory needs a mount namespace fd, and the other way round")
	}
	if r.RootAt != "" && !cleanAbsolute(r.RootAt) {
		return fmt.Errorf("root directory %q is not a clean absolute path other than /", r.RootAt)
	}
	if r.ContainerFS != (r.ExecFD != 0) {
		return errors.New("the container's filesystem needs the open binary, and the other way round")
	}
	if r.ContainerFS && (r.RootAt != "" || r.MountProc || r.MountSysfs) {
		return errors.New("nothing is mounted in the container's own mount namespace")
	}
	joinsMnt := slices.ContainsFunc(r.Namespaces, func(ns NamespaceFD) bool { return ns.Type == "mnt" })
	if joinsMnt && !r.ContainerFS {
		return errors.New("the mount namespace is joined only for the container's filesystem")
	}
	return nil
}

// cleanAbsolute: absolute, without empty, "." or ".." components, not "/".
func cleanAbsolute(p string) bool {
	return filepath.IsAbs(p) && p != "/" && filepath.Clean(p) == p
}
