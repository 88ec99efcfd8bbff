package plan

import (
	"errors"
	"fmt"

	"github.com/nsj-dev/nsj/nsjoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Located is a running container found for nsj cp: its init process,
// pinned, and its OCI spec. Nothing of it is joined.
type Located struct {
	Name    string          // for messages: "task default/web"
	Process *nsjoin.Process // the init process, pinned against PID reuse
	Spec    *specs.Spec     // nil for -t PID
	done    func()
}

// Close releases the pin and the containerd connection.
func (l *Located) Close() {
	l.Process.Close()
	l.done()
}

// Locate finds the container a names (a task word or a pod reference, as a
// join does), pins its init process and checks, once pinned, that
// containerd still runs the same task, so that the pin is that task's.
func Locate(a *Ask) (*Located, error) {
	if err := RequireAdmin(); err != nil {
		return nil, err
	}
	t, err := locateTarget(a)
	if err != nil {
		return nil, err
	}
	if t.pid == 0 {
		t.done()
		return nil, fmt.Errorf("%s has no running process; nsj cp copies from and to running containers", t.name)
	}
	p, err := nsjoin.PinProcess(t.pid)
	if errors.Is(err, nsjoin.ErrNoProcess) {
		err = t.gone(fmt.Errorf("no process with PID %d", t.pid))
	}
	if err != nil {
		t.done()
		return nil, err
	}
	if t.recheck != nil {
		if err := t.recheck(); err != nil {
			p.Close()
			t.done()
			return nil, err
		}
	}
	return &Located{Name: t.name, Process: p, Spec: t.spec, done: t.done}, nil
}

// locateTarget finds a task or a pod's app container as findTarget does,
// without its warnings about joining (nothing is joined) and without
// falling back to a pod's sandbox, whose files are not the container's.
func locateTarget(a *Ask) (*target, error) {
	if a.PID != 0 {
		return &target{name: fmt.Sprintf("PID %d", a.PID), pid: a.PID, done: func() {}}, nil
	}
	ctx, c, done, err := a.Connect(a.Containerd)
	if err != nil {
		return nil, err
	}
	if a.Pod == nil {
		t, err := c.Find(ctx, a.Task)
		if err != nil {
			done()
			return nil, err
		}
		return containerTarget(ctx, c, done, fmt.Sprintf("task %s/%s", t.Namespace, t.ID), t), nil
	}
	pt, err := c.FindPod(ctx, *a.Pod, false)
	if err == nil && pt.Sandbox() {
		err = fmt.Errorf("%s: %s; nsj cp copies from and to a running app container", pt.Pod.Ref(), pt.Fallback)
	}
	if err != nil {
		done()
		return nil, err
	}
	return containerTarget(ctx, c, done, podTargetName(pt), pt.Target), nil
}
