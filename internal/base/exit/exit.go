// Package exit holds nsj's own exit codes, as docker run and chroot use
// them, and the error that carries one from where it is known (a command
// not found, say) to where nsj exits.
package exit

/*
#cgo CFLAGS: -I${SRCDIR}/../../../nsjoin
#include "nsjoin.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
)

// nsj's own exit codes; any other is the command's. They are defined once,
// in nsjoin/nsjoin.h, for the constructor (C) and Go alike.
const (
	Failure       = C.NSJ_EXIT_FAILURE        // 125: nsj itself failed
	NotExecutable = C.NSJ_EXIT_NOT_EXECUTABLE // 126: the command was found but cannot be run
	NotFound      = C.NSJ_EXIT_NOT_FOUND      // 127: the command was not found
)

// Error is an error with the exit code that goes with it.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf is an Error with code and a formatted message (%w wraps).
func Errorf(code int, format string, args ...any) error {
	return &Error{code, fmt.Errorf(format, args...)}
}

// Code is the exit code of err: the one it carries, else Failure.
func Code(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Failure
}

// OneLine is a message as nsj prints it, on one line: its line breaks
// shown as \n and \r.
func OneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
}
