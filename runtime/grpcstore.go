package runtime

import (
	"context"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	namespacesapi "github.com/containerd/containerd/api/services/namespaces/v1"
	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"
	tasktypes "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/errdefs/pkg/errgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/anypb"
)

// namespaceHeader is the gRPC metadata key that tells containerd the
// namespace of a call (containerd's namespaces.GRPCHeader).
const namespaceHeader = "containerd-namespace"

// grpcStore is the store of a gRPC connection to containerd, through the
// stubs of containerd's API module: one unary call per method.
type grpcStore struct{ conn *grpc.ClientConn }

func inNamespace(ctx context.Context, ns string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, namespaceHeader, ns)
}

func (s grpcStore) container(ctx context.Context, ns, id string) (container, error) {
	r, err := containersapi.NewContainersClient(s.conn).Get(inNamespace(ctx, ns), &containersapi.GetContainerRequest{ID: id})
	if err != nil {
		return container{}, errgrpc.ToNative(err)
	}
	return fromProto(r.GetContainer()), nil
}

func (s grpcStore) containers(ctx context.Context, ns string, filters ...string) ([]container, error) {
	r, err := containersapi.NewContainersClient(s.conn).List(inNamespace(ctx, ns), &containersapi.ListContainersRequest{Filters: filters})
	if err != nil {
		return nil, errgrpc.ToNative(err)
	}
	out := make([]container, 0, len(r.GetContainers()))
	for _, c := range r.GetContainers() {
		out = append(out, fromProto(c))
	}
	return out, nil
}

func (s grpcStore) task(ctx context.Context, ns, id string) (taskState, error) {
	r, err := tasksapi.NewTasksClient(s.conn).Get(inNamespace(ctx, ns), &tasksapi.GetRequest{ContainerID: id})
	if err != nil {
		return taskState{}, errgrpc.ToNative(err)
	}
	return taskState{ID: id, PID: r.GetProcess().GetPid(), Status: statusName(r.GetProcess().GetStatus())}, nil
}

func (s grpcStore) tasks(ctx context.Context, ns string) ([]taskState, error) {
	r, err := tasksapi.NewTasksClient(s.conn).List(inNamespace(ctx, ns), &tasksapi.ListTasksRequest{})
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
	r, err := namespacesapi.NewNamespacesClient(s.conn).List(ctx, &namespacesapi.ListNamespacesRequest{})
	if err != nil {
		return nil, errgrpc.ToNative(err)
	}
	out := make([]string, 0, len(r.GetNamespaces()))
	for _, n := range r.GetNamespaces() {
		out = append(out, n.GetName())
	}
	return out, nil
}

// fromProto keeps what nsj reads of a container record.
func fromProto(c *containersapi.Container) container {
	out := container{ID: c.GetID(), Image: c.GetImage(), Labels: c.GetLabels(), Spec: anyOf(c.GetSpec())}
	if ts := c.GetCreatedAt(); ts != nil {
		out.CreatedAt = ts.AsTime()
	}
	if len(c.GetExtensions()) > 0 {
		out.Extensions = make(map[string]anyValue, len(c.GetExtensions()))
		for k, v := range c.GetExtensions() {
			out.Extensions[k] = *anyOf(v)
		}
	}
	return out
}

func anyOf(a *anypb.Any) *anyValue {
	if a == nil {
		return nil
	}
	return &anyValue{TypeURL: a.GetTypeUrl(), Value: a.GetValue()}
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
