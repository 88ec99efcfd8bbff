package nsjoin

/*
#include <stdlib.h>
#include "nsjoin.h"
*/
import "C"

import (
	"encoding/binary"
	"unsafe"

	"github.com/nsj-dev/nsj/internal/base/creds"
	"golang.org/x/sys/unix"
)

// confineFromC copies the confinement the C decoder read (decodeInC).
func confineFromC(c *C.struct_nsj_confine) *Confinement {
	if c.present == 0 {
		return nil
	}
	out := &Confinement{Creds: creds.Creds{
		Bounding: creds.Caps(c.caps[0]), Effective: creds.Caps(c.caps[1]), Permitted: creds.Caps(c.caps[2]),
		Inheritable: creds.Caps(c.caps[3]), Ambient: creds.Caps(c.caps[4]),
		UID: uint32(c.uid), GID: uint32(c.gid), NoNewPrivs: c.no_new_privs != 0,
	}, OOMScoreAdj: int(c.oom_score_adj)}
	groups := unsafe.Slice((*byte)(unsafe.Pointer(c.groups)), 4*int(c.ngroups))
	for i := 0; i < int(c.ngroups); i++ {
		out.Creds.Groups = append(out.Creds.Groups, binary.NativeEndian.Uint32(groups[4*i:]))
	}
	for _, l := range c.rlimits[:c.nrlimits] {
		out.Rlimits = append(out.Rlimits, Rlimit{Resource: int(l.resource), Soft: uint64(l.soft), Hard: uint64(l.hard)})
	}
	filter := unsafe.Slice((*byte)(unsafe.Pointer(c.filter)), 8*int(c.nfilter))
	for off := 0; off < len(filter); off += 8 {
		out.Seccomp = append(out.Seccomp, unix.SockFilter{Code: binary.NativeEndian.Uint16(filter[off:]),
			Jt: filter[off+2], Jf: filter[off+3], K: binary.NativeEndian.Uint32(filter[off+4:])})
	}
	for _, cg := range c.cgroups[:c.ncgroups] {
		out.Cgroups = append(out.Cgroups, CgroupFD{FD: int(cg.fd), Path: C.GoString(cg.path)})
	}
	return out
}
