package nsjoin

/*
#include "nsjoin.h"
#include "internal.h"
*/
import "C"

// cNamespaceTypes reads the constructor's namespace-type table
// (nsj_ns_types), so that a test compares it with internal/base/nstype's.
func cNamespaceTypes() (names []string, flags []int) {
	for _, t := range C.nsj_ns_types {
		names = append(names, C.GoString(t.name))
		flags = append(flags, int(t.flag))
	}
	return names, flags
}

// cNamespaceName is the constructor's name of a CLONE_NEW* flag.
func cNamespaceName(flag int) string {
	return C.GoString(C.nsj_ns_name(C.int(flag)))
}
