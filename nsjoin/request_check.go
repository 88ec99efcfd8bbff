package nsjoin

/*
#include "nsjoin.h"
*/
import "C"

import (
	"errors"
	"unsafe"
)

// The wire format's names and limits, and the variable that names the
// request's fd, read from nsjoin.h so that the Go side cannot drift from
// the constructor's.
const (
	envRequest = C.NSJ_ENV_REQUEST

	magic         = C.NSJ_MAGIC
	headerLen     = C.NSJ_HEADER_LEN
	recordHeadLen = C.NSJ_RECORD_HEADER_LEN

	kindNS      = C.NSJ_KIND_NS
	kindPath    = C.NSJ_KIND_PATH
	kindArg     = C.NSJ_KIND_ARG
	kindEnv     = C.NSJ_KIND_ENV
	kindDir     = C.NSJ_KIND_DIR
	kindFlags   = C.NSJ_KIND_FLAGS
	kindRoot    = C.NSJ_KIND_ROOT
	kindExecFD  = C.NSJ_KIND_EXEC_FD
	kindCreds   = C.NSJ_KIND_CREDS
	kindRlimit  = C.NSJ_KIND_RLIMIT
	kindSeccomp = C.NSJ_KIND_SECCOMP
	kindCgroup  = C.NSJ_KIND_CGROUP

	flagMountProc      = C.NSJ_FLAG_MOUNT_PROC
	flagMountSysfs     = C.NSJ_FLAG_MOUNT_SYSFS
	flagDebug          = C.NSJ_FLAG_DEBUG
	flagContainerFS    = C.NSJ_FLAG_CONTAINER_FS
	flagKeepCreds      = C.NSJ_FLAG_KEEP_CREDS
	flagHostPrivileges = C.NSJ_FLAG_HOST_PRIVILEGES
	flagSignalGroup    = C.NSJ_FLAG_SIGNAL_GROUP // set only by Spawner (nsj --all)
	flagAll            = C.NSJ_FLAG_ALL

	credsNoNewPrivs = C.NSJ_CREDS_NO_NEW_PRIVS

	maxRequest    = C.NSJ_MAX_REQUEST
	maxFD         = C.NSJ_MAX_FD
	maxNamespaces = C.NSJ_MAX_NAMESPACES
	maxGroups     = C.NSJ_MAX_GROUPS
	maxRlimits    = C.NSJ_MAX_RLIMITS
	maxFilter     = C.NSJ_MAX_FILTER
	maxCgroups    = C.NSJ_MAX_CGROUPS
)

// parseInC runs the constructor's decoder (request.c), the one authority on
// which requests are valid, on b. On success the caller frees req with
// C.nsj_free_request; on failure req is empty and the error is its reason.
func parseInC(b []byte, req *C.struct_nsj_request) error {
	var reason [256]C.char
	var buf *C.uchar

	// The decoder copies what it keeps into req's own arena: b is only read.
	if len(b) > 0 {
		buf = (*C.uchar)(unsafe.Pointer(&b[0]))
	}
	if C.nsj_parse_request(buf, C.size_t(len(b)), req, &reason[0], C.size_t(len(reason))) < 0 {
		return errors.New(C.GoString(&reason[0]))
	}
	return nil
}

// checkInC reports whether the constructor accepts request b, and if not why.
func checkInC(b []byte) error {
	var req C.struct_nsj_request

	if err := parseInC(b, &req); err != nil {
		return err
	}
	C.nsj_free_request(&req)
	return nil
}
