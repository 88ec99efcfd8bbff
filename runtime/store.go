package runtime

import (
	"context"
	"time"
)

// taskState is what nsj needs from a containerd task.
type taskState struct {
	ID     string // container ID
	PID    uint32
	Status string // one of the Status* constants
}

// container is what nsj reads of a containerd container record.
type container struct {
	ID         string
	Image      string
	Labels     map[string]string
	Spec       *anyValue // the OCI spec, JSON; nil if the record has none
	CreatedAt  time.Time
	Extensions map[string]anyValue
}

// anyValue is a protobuf Any as containerd stores it: a type URL and the
// encoded value (JSON for the OCI spec and CRI's sandbox metadata).
type anyValue struct {
	TypeURL string
	Value   []byte
}

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
