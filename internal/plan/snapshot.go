package plan

import "github.com/nsj-dev/nsj/runtime"

// LocateSnapshot finds the container a names (a task word, not a pod)
// whose task does not run, and the mounts of its root's snapshot, for
// nsj cp to read. Nothing is mounted or joined.
func LocateSnapshot(a *Ask) (*runtime.Snapshot, error) {
	if err := RequireAdmin(); err != nil {
		return nil, err
	}
	ctx, c, done, err := a.Connect(a.Containerd)
	if err != nil {
		return nil, err
	}
	defer done()
	return c.FindSnapshot(ctx, a.Task)
}
