package nsjoin

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/creds"
	"golang.org/x/sys/unix"
)

// A second decoder of the wire format, written from nsjoin.h alone and
// kept for tests only: the fuzzers compare it with the constructor's
// decoder (request.c), which alone decides in nsj what a valid request is.

// DecodeRequest parses the wire form as request.c does.
func DecodeRequest(b []byte) (*JoinRequest, error) {
	if len(b) < headerLen || string(b[:4]) != magic {
		return nil, errors.New("not a join request (bad magic)")
	}
	if len(b) > maxRequest || int(binary.NativeEndian.Uint32(b[4:])) != len(b) {
		return nil, errors.New("request length does not match")
	}
	r := &JoinRequest{}
	flagsSeen, oomSeen := false, false
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
		if kind == kindOOMScoreAdj {
			if oomSeen {
				return nil, errors.New("oom_score_adj given twice")
			}
			oomSeen = true
		}
		if err := r.decodeRecord(kind, b[off:off+n]); err != nil {
			return nil, err
		}
		off += n
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	if r.Confine != nil && !oomSeen {
		return nil, errors.New("a confinement without oom_score_adj")
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
		if !ok || fd > maxFD {
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
		r.HostPrivileges, r.signalGroup = f&flagHostPrivileges != 0, f&flagSignalGroup != 0
	case kindRoot, kindExecFD:
		return r.decodeFSRecord(kind, p)
	case kindCreds, kindRlimit, kindSeccomp, kindCgroup, kindOOMScoreAdj:
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

// validate applies the rules of nsjoin.h, as request.c does.
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
		if ns.FD < 3 || ns.FD > maxFD || seen[ns.Type] || fds[ns.FD] {
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

// decodeFSRecord reads a ROOT or EXEC_FD record; validate checks the rest.
func (r *JoinRequest) decodeFSRecord(kind uint16, p []byte) error {
	if len(p) < 4 || (kind == kindExecFD && len(p) != 4) {
		return fmt.Errorf("record of kind %d has %d bytes", kind, len(p))
	}
	fd := binary.NativeEndian.Uint32(p)
	if fd < 3 || fd > maxFD {
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
		if fd < 3 || fd > maxFD || fds[fd] {
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

// decodeConfineRecord reads one confinement record; validate checks the rest.
func (r *JoinRequest) decodeConfineRecord(kind uint16, p []byte) error {
	switch {
	case kind == kindCreds && r.Confine != nil:
		return errors.New("credentials given twice")
	case kind == kindCreds:
		r.Confine = &Confinement{}
	case r.Confine == nil:
		return errors.New("rlimits, a seccomp filter, cgroups and oom_score_adj come after the credentials")
	}
	c := r.Confine
	u32 := func(off int) uint32 { return binary.NativeEndian.Uint32(p[off:]) }
	u64 := func(off int) uint64 { return binary.NativeEndian.Uint64(p[off:]) }
	switch kind {
	case kindCreds:
		if len(p) < credsFixedLen {
			return errors.New("credentials record too short")
		}
		n := int(u32(52))
		if n > maxGroups || len(p) != credsFixedLen+4*n || u32(48)&^credsNoNewPrivs != 0 {
			return errors.New("invalid credentials record")
		}
		sets := []*creds.Caps{&c.Creds.Bounding, &c.Creds.Effective, &c.Creds.Permitted, &c.Creds.Inheritable, &c.Creds.Ambient}
		for i, s := range sets {
			*s = creds.Caps(u64(8 * i))
		}
		c.Creds.UID, c.Creds.GID, c.Creds.NoNewPrivs = u32(40), u32(44), u32(48)&credsNoNewPrivs != 0
		for i := range n {
			c.Creds.Groups = append(c.Creds.Groups, u32(credsFixedLen+4*i))
		}
	case kindRlimit:
		if len(p) != 24 || u32(4) != 0 {
			return errors.New("invalid rlimit record")
		}
		c.Rlimits = append(c.Rlimits, Rlimit{Resource: int(u32(0)), Soft: u64(8), Hard: u64(16)})
	case kindSeccomp:
		if c.Seccomp != nil || len(p) == 0 || len(p)%8 != 0 {
			return errors.New("invalid seccomp record, or given twice")
		}
		for off := 0; off < len(p); off += 8 {
			c.Seccomp = append(c.Seccomp, unix.SockFilter{Code: binary.NativeEndian.Uint16(p[off:]), Jt: p[off+2], Jf: p[off+3], K: u32(off + 4)})
		}
	case kindCgroup:
		if len(p) < 5 {
			return errors.New("cgroup record without a path")
		}
		c.Cgroups = append(c.Cgroups, CgroupFD{FD: int(u32(0)), Path: string(p[4:])})
	case kindOOMScoreAdj:
		if len(p) != 4 || int32(u32(0)) < -oomScoreAdjMax || int32(u32(0)) > oomScoreAdjMax {
			return errors.New("invalid oom_score_adj record")
		}
		c.OOMScoreAdj = int(int32(u32(0)))
	}
	return nil
}

// validateConfine applies the rules of nsjoin.h; fds holds the other fds.
func (r *JoinRequest) validateConfine(fds map[int]bool) error {
	c := r.Confine
	switch {
	case (c != nil || r.HostPrivileges) && !r.ContainerFS:
		return errors.New("a confinement or host privileges go with the container's filesystem only")
	case r.ContainerFS && (c != nil) == r.HostPrivileges:
		return errors.New("the container's filesystem needs a confinement, or host privileges on purpose")
	case c == nil:
		return nil
	case len(c.Creds.Groups) > maxGroups || len(c.Rlimits) > maxRlimits || len(c.Seccomp) > maxFilter || len(c.Cgroups) > maxCgroups:
		return errors.New("too many groups, rlimits, filter instructions or cgroups")
	}
	seen := map[int]bool{}
	for _, l := range c.Rlimits {
		if l.Resource < 0 || l.Resource >= maxRlimits || seen[l.Resource] || l.Soft > l.Hard {
			return fmt.Errorf("rlimit %d invalid or given twice", l.Resource)
		}
		seen[l.Resource] = true
	}
	for _, cg := range c.Cgroups {
		if cg.FD < 3 || cg.FD > maxFD || fds[cg.FD] || cg.Path == "" || strings.IndexByte(cg.Path, 0) >= 0 {
			return fmt.Errorf("cgroup %q: fd %d invalid or given twice", cg.Path, cg.FD)
		}
		fds[cg.FD] = true
	}
	return nil
}
