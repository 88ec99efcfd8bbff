package plan

import (
	"context"
	"fmt"
	"slices"

	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
	"github.com/sirupsen/logrus"
)

// pidTarget is a process named with --target-pid; it is judged for risks
// as a task is, before anything of it is opened.
func pidTarget(a *Ask, sel nsjoin.Selection) *target {
	name := fmt.Sprintf("PID %d", a.PID)
	warnRiskyPID(name, a.PID, a, sel)
	return &target{name: name, pid: a.PID, sel: sel, done: func() {}}
}

// findTarget finds the target the Ask names, of whichever kind: a process,
// a pod's container or sandbox, a containerd task.
func findTarget(a *Ask, sel nsjoin.Selection) (*target, error) {
	if a.PID != 0 {
		return pidTarget(a, sel), nil
	}
	if a.Pod != nil {
		return podTarget(a, sel)
	}
	return taskTarget(a, sel)
}

// taskTarget finds a containerd task and says which of its namespaces to join.
func taskTarget(a *Ask, sel nsjoin.Selection) (*target, error) {
	ctx, c, done, err := a.Connect(a.Containerd)
	if err != nil {
		return nil, err
	}
	t, err := c.Find(ctx, a.Task)
	if err != nil {
		done()
		return nil, err
	}
	return foundTask(ctx, c, done, t, sel, a), nil
}

// foundTask is the target of a task that c found or listed (nsj --all),
// with its warnings (paused, risky) and the namespaces to join; its
// recheck asks t's own containerd within ctx.
func foundTask(ctx context.Context, c *runtime.Client, done func(), t *runtime.Target, sel nsjoin.Selection, a *Ask) *target {
	tg := containerTarget(ctx, c, done, fmt.Sprintf("task %s/%s", t.Namespace, t.ID), t)
	logrus.Debugf("%s: pid %d, status %s, containerd at %s", tg.name, t.PID, t.Status, taskSocket(c, t))
	if tg.paused {
		logrus.Warnf("%s is paused: joining anyway, but its processes stay frozen until `%s`", tg.name, tg.resume)
	}
	tg.sel = taskSelection(t, sel)
	warnRiskySpec(tg.name, t.Spec, a, tg.sel)
	return tg
}

// containerTarget is what joining needs of a task that c found (a
// container's, or a pod's sandbox), but the namespaces to join.
func containerTarget(ctx context.Context, c *runtime.Client, done func(), name string, t *runtime.Target) *target {
	return &target{
		name:      name,
		pid:       int(t.PID),
		specPaths: specPaths(t),
		recheck:   func() error { return c.Recheck(ctx, t) },
		done:      done,
		spec:      t.Spec,
		paused:    t.Status == runtime.StatusPaused || t.Status == runtime.StatusPausing,
		resume:    c.ResumeCommand(t),
	}
}

// taskSelection joins, unless --ns says otherwise, the default types that the
// container's spec lists: a type it does not list is shared with the host.
func taskSelection(t *runtime.Target, sel nsjoin.Selection) nsjoin.Selection {
	if sel.Explicit {
		return sel
	}
	private := t.PrivateTypes()
	out := nsjoin.Selection{Types: []string{}}
	for _, typ := range nsjoin.DefaultTypes {
		if slices.Contains(private, typ) {
			out.Types = append(out.Types, typ)
		} else {
			logrus.Debugf("namespace %s: the container shares the host's (its spec has none, or names the host's); not joined", typ)
		}
	}
	return out
}

func specPaths(t *runtime.Target) map[string]string {
	paths := map[string]string{}
	for _, n := range t.Namespaces {
		if n.Path != "" {
			paths[n.Type] = n.Path
		}
	}
	return paths
}

// taskSocket is the socket of the containerd that has t: on a node with
// several, not necessarily c's own.
func taskSocket(c *runtime.Client, t *runtime.Target) string {
	if t.Socket != "" {
		return t.Socket
	}
	return c.Address()
}
