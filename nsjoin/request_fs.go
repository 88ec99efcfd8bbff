package nsjoin

import "encoding/binary"

// The ROOT and EXEC_FD records (see nsjoin.h); request.c checks the rules
// that tie them to the flags and to the "mnt" namespace.

// appendFS writes the ROOT and EXEC_FD records, if any.
func (r *JoinRequest) appendFS(b []byte) []byte {
	if r.RootNS != 0 || r.RootAt != "" {
		b = appendRecord(b, kindRoot, append(binary.NativeEndian.AppendUint32(nil, uint32(r.RootNS)), r.RootAt...))
	}
	if r.ExecFD != 0 {
		b = appendRecord(b, kindExecFD, binary.NativeEndian.AppendUint32(nil, uint32(r.ExecFD)))
	}
	return b
}
