package containerd

import "time"

// Task states, as containerd names them (containerd.v1.types.Status).
const (
	StatusRunning = "running"
	StatusPaused  = "paused"
	StatusPausing = "pausing"
	StatusCreated = "created"
	StatusStopped = "stopped"
	StatusUnknown = "unknown"
)

// Task is what nsj needs from a containerd task.
type Task struct {
	ID     string // container ID
	PID    uint32
	Status string // one of the Status* constants
}

// Container is what nsj reads of a containerd container record.
type Container struct {
	ID         string
	Image      string
	Labels     map[string]string
	Spec       *Any // the OCI spec, JSON; nil if the record has none
	CreatedAt  time.Time
	Extensions map[string]Any
	// Snapshotter and SnapshotKey name the snapshot of the container's
	// root; both empty when the root is a plain directory of its spec.
	Snapshotter, SnapshotKey string
}

// Any is a protobuf Any as containerd stores it: a type URL and the
// encoded value (JSON for the OCI spec and CRI's sandbox metadata).
type Any struct {
	TypeURL string
	Value   []byte
}
