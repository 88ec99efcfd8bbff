// Package nsjoin joins a process's namespaces and runs a host command there.
//
// The Go side (Process, JoinRequest, Exec) pins the target with a pidfd,
// opens its namespace files and re-executes nsj with a join request. The C
// side, a constructor that runs before the Go runtime starts (join.c), does
// the joining: setns(2) into mount and user namespaces needs a
// single-threaded process, which a started Go program never is. See
// README.md in this directory and docs/design.md.
package nsjoin

/*
#cgo CFLAGS: -Wall -Wextra -Wno-unused-parameter -O2
#include "nsjoin.h"
*/
import "C"

import (
	"fmt"
	"os"

	"github.com/nsj-dev/nsj/internal/base/exit"
)

// init runs only where the constructor returned instead of exiting: a join
// request that failed before the command started. It prints the reason the
// C side recorded and exits with its code, before anything else of nsj runs.
func init() {
	if C.nsj_result.active == 0 {
		return
	}
	code := int(C.nsj_result.exit_code)
	if code == 0 {
		code = exit.Failure
	}
	// One line, whatever the message quotes (a path with a newline).
	fmt.Fprintf(os.Stderr, "nsj: %s\n", exit.OneLine(C.GoString(&C.nsj_result.message[0])))
	os.Exit(code)
}
