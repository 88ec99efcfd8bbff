package nsjoin

/*
#include "nsjoin.h"
*/
import "C"

import (
	"encoding/binary"

	"github.com/nsj-dev/nsj/internal/base/creds"
	"golang.org/x/sys/unix"
)

// The confinement records of --fs container (CREDS, RLIMIT, SECCOMP,
// CGROUP, OOM_SCORE_ADJ; see nsjoin.h); request_confine.c checks their
// rules, confine.c carries them out.

// The fixed part of a CREDS record: 5 u64 capability sets, then uid, gid,
// bits and the count of groups (u32 each).
const credsFixedLen = 5*8 + 4*4

// The OOM_SCORE_ADJ record, and the highest score (the least is its negative).
const (
	kindOOMScoreAdj = C.NSJ_KIND_OOM_SCORE_ADJ
	oomScoreAdjMax  = C.NSJ_OOM_SCORE_ADJ_MAX
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
	// OOMScoreAdj is the container's oom_score_adj (-1000 to 1000), which
	// the constructor gives itself, and so the command, before it joins
	// anything (confine.c).
	OOMScoreAdj int
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
	return appendRecord(b, kindOOMScoreAdj, binary.NativeEndian.AppendUint32(nil, uint32(int32(c.OOMScoreAdj))))
}
