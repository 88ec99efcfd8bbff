package containerd

import (
	"context"
	"fmt"
	"strings"

	"github.com/containerd/errdefs"
)

// statusError is an error status containerd answered a call with, as the
// native error errdefs (and containerd's errgrpc.ToNative) makes of it:
// NotFound matches errdefs.ErrNotFound, DeadlineExceeded
// context.DeadlineExceeded, and so on.
type statusError struct {
	code int
	err  error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// statusClass is the error of gRPC status code (1 to 16): errdefs's, and
// context's for Canceled and DeadlineExceeded. A switch, not a table of
// errors: a call graph (scripts/joinpath.sh) then sees only these errors
// here, not every error the program keeps in a slice.
func statusClass(code int) error {
	switch code {
	case 1:
		return context.Canceled
	case 3:
		return errdefs.ErrInvalidArgument
	case 4:
		return context.DeadlineExceeded
	case 5:
		return errdefs.ErrNotFound
	case 6:
		return errdefs.ErrAlreadyExists
	case 7:
		return errdefs.ErrPermissionDenied
	case 8:
		return errdefs.ErrResourceExhausted
	case 9:
		return errdefs.ErrFailedPrecondition
	case 10:
		return errdefs.ErrAborted
	case 11:
		return errdefs.ErrOutOfRange
	case 12:
		return errdefs.ErrNotImplemented
	case 13:
		return errdefs.ErrInternal
	case 14:
		return errdefs.ErrUnavailable
	case 15:
		return errdefs.ErrDataLoss
	case 16:
		return errdefs.ErrUnauthenticated
	}
	return errdefs.ErrUnknown // 2, and codes gRPC does not define
}

// newStatusError is the error of status code with the server's
// grpc-message desc, which may end with the class's own words.
func newStatusError(code int, desc string) error {
	cls := statusClass(code)
	if desc == "" || desc == cls.Error() {
		return &statusError{code, cls}
	}
	return &statusError{code, fmt.Errorf("%s: %w", strings.TrimSuffix(desc, ": "+cls.Error()), cls)}
}
