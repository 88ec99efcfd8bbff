package nsjoin

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/nsj-dev/nsj/internal/creds"
	"golang.org/x/sys/unix"
)

// The confinement records of --fs container (CREDS, RLIMIT, SECCOMP,
// CGROUP; see nsjoin.h) and their rules; request_confine.c applies the same
// rules, confine.c carries them out.

const (
	kindCreds   = 9
	kindRlimit  = 10
	kindSeccomp = 11
	kindCgroup  = 12

	flagHostPrivileges = 1 << 5

	credsNoNewPrivs = 1
	credsFixedLen   = 5*8 + 4*4
	maxGroups       = 65536
	maxRlimits      = 16
	maxFilter       = 4096
	maxCgroups      = 16
)

// Confinement is what a command run among a container's files gets instead
// of the host's privileges: the container's own (--fs container).
type Confinement struct {
	Creds   creds.Creds
	Rlimits []Rlimit
	// Seccomp is a classic BPF program for seccomp(2); nil: none.
	Seccomp []unix.SockFilter
	// Cgroups are the container's cgroup.procs files, open for writing:
	// the constructor moves itself into each before joining.
	Cgroups []CgroupFD
}

// Rlimit is one resource limit, as setrlimit(2) takes it.
type Rlimit struct {
	Resource   int
	Soft, Hard uint64
}

// CgroupFD is an open cgroup.procs file and its path, for messages.
type CgroupFD struct {
	FD   int
	Path string
}

// appendConfine writes the confinement records, if any.
func (r *JoinRequest) appendConfine(b []byte) []byte {
	c := r.Confine
	if c == nil {
		return b
	}
	p := make([]byte, 0, credsFixedLen+4*len(c.Creds.Groups))
	for _, set := range []creds.Caps{c.Creds.Bounding, c.Creds.Effective, c.Creds.Permitted, c.Creds.Inheritable, c.Creds.Ambient} {
		p = binary.NativeEndian.AppendUint64(p, uint64(set))
	}
	var bits uint32
	if c.Creds.NoNewPrivs {
		bits |= credsNoNewPrivs
	}
	for _, v := range []uint32{c.Creds.UID, c.Creds.GID, bits, uint32(len(c.Creds.Groups))} {
		p = binary.NativeEndian.AppendUint32(p, v)
	}
	for _, g := range c.Creds.Groups {
		p = binary.NativeEndian.AppendUint32(p, g)
	}
	b = appendRecord(b, kindCreds, p)
	for _, l := range c.Rlimits {
		p = binary.NativeEndian.AppendUint64(binary.NativeEndian.AppendUint64(
			binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, uint32(l.Resource)), 0), l.Soft), l.Hard)
		b = appendRecord(b, kindRlimit, p)
	}
	if len(c.Seccomp) > 0 {
		p = make([]byte, 0, 8*len(c.Seccomp))
		for _, in := range c.Seccomp {
			p = binary.NativeEndian.AppendUint16(p, in.Code)
			p = append(p, in.Jt, in.Jf)
			p = binary.NativeEndian.AppendUint32(p, in.K)
		}
		b = appendRecord(b, kindSeccomp, p)
	}
	for _, cg := range c.Cgroups {
		b = appendRecord(b, kindCgroup, append(binary.NativeEndian.AppendUint32(nil, uint32(cg.FD)), cg.Path...))
	}
	return b
}

// decodeConfineRecord reads one confinement record; validate checks the rest.
func (r *JoinRequest) decodeConfineRecord(kind uint16, p []byte) error {
	switch {
	case kind == kindCreds && r.Confine != nil:
		return errors.New("credentials given twice")
	case kind == kindCreds:
		r.Confine = &Confinement{}
	case r.Confine == nil:
		return errors.New("rlimits, a seccomp filter and cgroups come after the credentials")
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
		if cg.FD < 3 || cg.FD > 1<<20 || fds[cg.FD] || cg.Path == "" || strings.IndexByte(cg.Path, 0) >= 0 {
			return fmt.Errorf("cgroup %q: fd %d invalid or given twice", cg.Path, cg.FD)
		}
		fds[cg.FD] = true
	}
	return nil
}
