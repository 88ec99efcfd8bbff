package containerd

import (
	"context"
	"fmt"
)

// methodSnapshotMounts asks a snapshotter how to mount a snapshot
// (containerd.services.snapshots.v1.Snapshots/Mounts): the call behind
// nsj cp of a container whose task is not running.
const methodSnapshotMounts = "/containerd.services.snapshots.v1.Snapshots/Mounts"

// Mount is a containerd.types.Mount: one mount(2) that makes (part of) a
// snapshot's tree, as the snapshotter describes it.
type Mount struct {
	Type, Source string
	Options      []string
}

// SnapshotMounts returns the mounts of snapshot key of snapshotter in
// namespace ns: the tree of a container's root (Container.Snapshotter,
// Container.SnapshotKey). Nothing is mounted.
func (s Store) SnapshotMounts(ctx context.Context, ns, snapshotter, key string) ([]Mount, error) {
	req := appendString(appendString(nil, 1, snapshotter), 2, key) // MountsRequest
	var out []Mount
	err := s.get(ctx, ns, methodSnapshotMounts, req, func(f field) error {
		if f.num != 1 || f.bytes == nil { // MountsResponse.mounts
			return nil
		}
		m, err := decodeMount(f.bytes)
		out = append(out, m)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("the mounts of snapshot %q of snapshotter %q: %w", key, snapshotter, err)
	}
	return out, nil
}

// decodeMount reads a containerd.types.Mount (its target, field 3, is
// unused: a root's mounts have none).
func decodeMount(b []byte) (Mount, error) {
	var m Mount
	err := eachField(b, func(f field) error {
		switch {
		case f.bytes == nil:
		case f.num == 1:
			m.Type = string(f.bytes)
		case f.num == 2:
			m.Source = string(f.bytes)
		case f.num == 4:
			m.Options = append(m.Options, string(f.bytes))
		}
		return nil
	})
	return m, err
}
