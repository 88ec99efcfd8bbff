package runtime

import (
	"context"

	"github.com/nsj-dev/nsj/runtime/containerd"
)

// The records of containerd that the store returns.
type (
	taskState = containerd.Task
	container = containerd.Container
	anyValue  = containerd.Any
)

// store is the part of containerd that Find, List and Recheck use; each
// method is one RPC. Not-found errors match errdefs.ErrNotFound. Only the
// containers, tasks and namespaces services are used, so that containerd 1.6
// servers work as well as 1.7 and 2.x.
type store interface {
	container(ctx context.Context, ns, id string) (container, error)
	containers(ctx context.Context, ns string, filters ...string) ([]container, error)
	task(ctx context.Context, ns, id string) (taskState, error)
	tasks(ctx context.Context, ns string) ([]taskState, error)
	namespaces(ctx context.Context) ([]string, error)
}

// wireStore is the store of containerd's socket (package containerd).
type wireStore struct{ s containerd.Store }

func (w wireStore) container(ctx context.Context, ns, id string) (container, error) {
	return w.s.Container(ctx, ns, id)
}

func (w wireStore) containers(ctx context.Context, ns string, filters ...string) ([]container, error) {
	return w.s.Containers(ctx, ns, filters...)
}

func (w wireStore) task(ctx context.Context, ns, id string) (taskState, error) {
	return w.s.Task(ctx, ns, id)
}

func (w wireStore) tasks(ctx context.Context, ns string) ([]taskState, error) {
	return w.s.Tasks(ctx, ns)
}

func (w wireStore) namespaces(ctx context.Context) ([]string, error) { return w.s.Namespaces(ctx) }
