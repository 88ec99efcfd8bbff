package kubeplugin

import (
	"errors"
	"fmt"
)

// ExitFailure is the exit status of kubectl-nsj's own failures, as nsj's.
const ExitFailure = 125

// Error is a failure of kubectl-nsj itself: a one-line message saying what
// failed, why, and what to do.
type Error struct{ Err error }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an *Error; %w wraps as fmt.Errorf does.
func Errorf(format string, args ...any) error {
	return &Error{fmt.Errorf(format, args...)}
}

// IsPluginError reports whether err is kubectl-nsj's own failure.
func IsPluginError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
