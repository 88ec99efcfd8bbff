package runtime

import (
	"context"

	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"
	tasktypes "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/errdefs/pkg/errgrpc"
)

// taskState is what nsj needs from a containerd task.
type taskState struct {
	ID     string // container ID
	PID    uint32
	Status string // one of the Status* constants
}

// store is the part of containerd that Find, List and Recheck use; each
// method is one RPC. Not-found errors match errdefs.ErrNotFound. Only the
// containers, tasks and namespaces services are used, so that containerd 1.6
// servers work as well as 1.7 and 2.x.
type store interface {
	container(ctx context.Context, ns, id string) (containers.Container, error)
	containers(ctx context.Context, ns string, filters ...string) ([]containers.Container, error)
	task(ctx context.Context, ns, id string) (taskState, error)
	tasks(ctx context.Context, ns string) ([]taskState, error)
	namespaces(ctx context.Context) ([]string, error)
}

// grpcStore is the store of a containerd client.
type grpcStore struct{ c *client.Client }

func (s grpcStore) container(ctx context.Context, ns, id string) (containers.Container, error) {
	return s.c.ContainerService().Get(namespaces.WithNamespace(ctx, ns), id)
}

func (s grpcStore) containers(ctx context.Context, ns string, filters ...string) ([]containers.Container, error) {
	return s.c.ContainerService().List(namespaces.WithNamespace(ctx, ns), filters...)
}

func (s grpcStore) task(ctx context.Context, ns, id string) (taskState, error) {
	r, err := s.c.TaskService().Get(namespaces.WithNamespace(ctx, ns), &tasksapi.GetRequest{ContainerID: id})
	if err != nil {
		return taskState{}, errgrpc.ToNative(err)
	}
	return taskState{ID: id, PID: r.GetProcess().GetPid(), Status: statusName(r.GetProcess().GetStatus())}, nil
}

func (s grpcStore) tasks(ctx context.Context, ns string) ([]taskState, error) {
	r, err := s.c.TaskService().List(namespaces.WithNamespace(ctx, ns), &tasksapi.ListTasksRequest{})
	if err != nil {
		return nil, errgrpc.ToNative(err)
	}
	out := make([]taskState, 0, len(r.GetTasks()))
	for _, p := range r.GetTasks() {
		id := p.GetID()
		if id == "" {
			id = p.GetContainerID()
		}
		out = append(out, taskState{ID: id, PID: p.GetPid(), Status: statusName(p.GetStatus())})
	}
	return out, nil
}

func (s grpcStore) namespaces(ctx context.Context) ([]string, error) {
	return s.c.NamespaceService().List(ctx)
}

func statusName(s tasktypes.Status) string {
	switch s {
	case tasktypes.Status_RUNNING:
		return StatusRunning
	case tasktypes.Status_PAUSED:
		return StatusPaused
	case tasktypes.Status_PAUSING:
		return StatusPausing
	case tasktypes.Status_CREATED:
		return StatusCreated
	case tasktypes.Status_STOPPED:
		return StatusStopped
	}
	return StatusUnknown
}
