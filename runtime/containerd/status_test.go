package containerd

import (
	"context"
	"errors"
	"testing"

	"github.com/containerd/errdefs"
	"github.com/containerd/errdefs/pkg/errgrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestStatusErrorsAreContainerdsNativeErrors: each gRPC status code (and
// one past them) is the error containerd's own client makes of it
// (errgrpc.ToNative), by errors.Is against every class.
func TestStatusErrorsAreContainerdsNativeErrors(t *testing.T) {
	classes := []error{context.Canceled, context.DeadlineExceeded, errdefs.ErrUnknown, errdefs.ErrInvalidArgument,
		errdefs.ErrNotFound, errdefs.ErrAlreadyExists, errdefs.ErrPermissionDenied, errdefs.ErrResourceExhausted,
		errdefs.ErrFailedPrecondition, errdefs.ErrAborted, errdefs.ErrOutOfRange, errdefs.ErrNotImplemented,
		errdefs.ErrInternal, errdefs.ErrUnavailable, errdefs.ErrDataLoss, errdefs.ErrUnauthenticated}
	for code := 1; code <= 17; code++ {
		native := errgrpc.ToNative(status.Error(codes.Code(code), "it failed"))
		got := newStatusError(code, "it failed")
		for _, cls := range classes {
			if errors.Is(got, cls) != errors.Is(native, cls) {
				t.Errorf("code %d: errors.Is(%v, %v) = %v; containerd's: %v", code, got, cls, errors.Is(got, cls), !errors.Is(got, cls))
			}
		}
	}
}
