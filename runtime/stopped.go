package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/containerd/errdefs"
	"github.com/nsj-dev/nsj/runtime/containerd"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Snapshot is a container whose task does not run (created, stopped, or
// none at all), seen through the snapshot of its root that containerd
// keeps until the container is deleted: what nsj cp copies out of.
type Snapshot struct {
	Name   string // for messages: "container default/web (stopped)"
	Status string // the task's state, or StatusNoTask
	Spec   *specs.Spec
	// Mounts make the root's tree, as its snapshotter says (one overlay,
	// or one bind of a directory); nothing is mounted yet.
	Mounts []containerd.Mount
}

// snapshotStore is the store that can ask a snapshotter for a snapshot's
// mounts (containerd's socket; the unit tests' fakes cannot).
type snapshotStore interface {
	snapshotMounts(ctx context.Context, ns, snapshotter, key string) ([]containerd.Mount, error)
}

func (w wireStore) snapshotMounts(ctx context.Context, ns, snapshotter, key string) ([]containerd.Mount, error) {
	return w.s.SnapshotMounts(ctx, ns, snapshotter, key)
}

// ErrNoSnapshot is the error of FindSnapshot for a container whose root is
// a directory its spec names, not a containerd snapshot.
var ErrNoSnapshot = errors.New("its root is not a containerd snapshot")

// FindSnapshot finds the container ref names, by Find's rules, whose task
// does not run, and the mounts of its root's snapshot. A task that runs
// (again) is an error: its live root is Find's.
func (c *Client) FindSnapshot(ctx context.Context, ref string) (*Snapshot, error) {
	m, err := c.chosen(ctx, ref)
	if err != nil {
		return nil, err
	}
	s := m.client
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	ns, id := m.ns, m.ctr.ID
	status := StatusNoTask
	ts, err := s.store.task(ctx, ns, id)
	switch {
	case err == nil:
		status = ts.Status
	case !errdefs.IsNotFound(err):
		return nil, s.callError(err, fmt.Sprintf("get task %q in namespace %q", id, ns))
	}
	what := status
	if status == StatusNoTask {
		what = "no task"
	}
	name := fmt.Sprintf("container %s/%s (%s)", ns, id, what)
	if Joinable(status) {
		return nil, fmt.Errorf("%s: its task runs again; run nsj cp again to copy from its live root", name)
	}
	if m.ctr.SnapshotKey == "" || m.ctr.Snapshotter == "" {
		return nil, fmt.Errorf("%s: %w (its spec's root: %s)", name, ErrNoSnapshot, specRoot(m.ctr))
	}
	ss, ok := s.store.(snapshotStore)
	if !ok {
		return nil, fmt.Errorf("%s: this containerd connection cannot ask for snapshots", name)
	}
	mounts, err := ss.snapshotMounts(ctx, ns, m.ctr.Snapshotter, m.ctr.SnapshotKey)
	if err != nil {
		return nil, s.callError(err, name)
	}
	spec, err := parseSpec(m.ctr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Snapshot{Name: name, Status: status, Spec: spec, Mounts: mounts}, nil
}

// specRoot is the root path of ctr's spec, or a word saying it has none.
func specRoot(ctr container) string {
	if spec, err := parseSpec(ctr); err == nil && spec.Root != nil && spec.Root.Path != "" {
		return spec.Root.Path
	}
	return "its spec names none"
}
