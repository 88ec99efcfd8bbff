package nsjoin

/*
#include "nsjoin.h"
#include "internal.h"
*/
import "C"

import "unsafe"

// decodeInC runs the constructor's own decoder (request.c) on b, so that
// tests and the fuzzer check the C parser against the Go encoder.
func decodeInC(b []byte) (*JoinRequest, error) {
	var req C.struct_nsj_request

	if err := parseInC(b, &req); err != nil {
		return nil, err
	}
	defer C.nsj_free_request(&req)
	r := &JoinRequest{Path: C.GoString(req.path)}
	for i := 0; i < int(req.nns); i++ {
		typ, _ := TypeOfFlag(int(req.ns[i]._type))
		r.Namespaces = append(r.Namespaces, NamespaceFD{Type: typ, FD: int(req.ns[i].fd)})
	}
	r.Args = cStrings(req.argv, int(req.argc))
	r.Env = cStrings(req.envp, int(req.envc))
	if req.dir != nil {
		r.Dir = C.GoString(req.dir)
	}
	r.MountProc = req.flags&flagMountProc != 0
	r.MountSysfs = req.flags&flagMountSysfs != 0
	r.Debug = req.flags&flagDebug != 0
	r.ContainerFS = req.flags&flagContainerFS != 0
	r.KeepCreds = req.flags&flagKeepCreds != 0
	r.HostPrivileges = req.flags&flagHostPrivileges != 0
	r.signalGroup = req.flags&flagSignalGroup != 0
	r.Confine = confineFromC(&req.confine)
	r.RootNS, r.ExecFD = int(req.root_ns), int(req.exec_fd)
	if req.root_at != nil {
		r.RootAt = C.GoString(req.root_at)
	}
	return r, nil
}

// sealedInC runs the constructor's check of the fd in _NSJ_JOIN_REQUEST.
func sealedInC(fd int) bool {
	return C.nsj_request_sealed(C.int(fd)) == 1
}

func cStrings(v **C.char, n int) []string {
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i, p := range unsafe.Slice(v, n) {
		out[i] = C.GoString(p)
	}
	return out
}
