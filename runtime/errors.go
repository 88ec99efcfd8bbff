package runtime

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of lookup failure. Every error this package returns for a bad
// reference or an unusable task matches one of them with errors.Is, so the
// CLI can pick an exit code; all are nsj's own errors, not the command's.
var (
	// ErrUnavailable: containerd could not be reached or did not answer.
	ErrUnavailable = errors.New("containerd unavailable")
	// ErrNotFound: no container matches the reference.
	ErrNotFound = errors.New("task not found")
	// ErrAmbiguous: the reference matches several containers.
	ErrAmbiguous = errors.New("task reference ambiguous")
	// ErrNotRunning: the container exists but has no running task.
	ErrNotRunning = errors.New("task not running")
	// ErrChanged: the task exited or restarted since it was found.
	ErrChanged = errors.New("task changed")
)

// Error is a lookup failure with a message meant for the user. Kind is one of
// the Err* values above; Err, if set, is the underlying cause.
type Error struct {
	Kind error
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	return e.Msg + ": " + e.Err.Error()
}

// Is reports whether target is the kind of e.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func newError(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// maxListed bounds how many candidates an error message names.
const maxListed = 10

// joinNames lists names for an error message, eliding past maxListed.
func joinNames(names []string) string {
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxListed], ", "), len(names)-maxListed)
}

// withDockerNote adds to a not-found error, on its line, why dockerd was
// not asked what the word names (note), if it was not.
func withDockerNote(err, note error) error {
	var e *Error
	if note == nil || !errors.As(err, &e) {
		return err
	}
	return &Error{Kind: e.Kind, Msg: fmt.Sprintf("%s; Docker names not looked up: %v", e.Msg, note), Err: e.Err}
}
