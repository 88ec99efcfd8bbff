package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
	"github.com/sirupsen/logrus"
)

// connect opens the containerd connection for -a/-n/--timeout; the returned
// context bounds the whole lookup.
func connect(o *options) (context.Context, *runtime.Client, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	c, err := runtime.Connect(ctx, runtime.Options{Address: o.address, Namespace: o.namespace, Timeout: o.timeout})
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return ctx, c, func() { c.Close(); cancel() }, nil
}

// taskTarget finds a containerd task and says which of its namespaces to join.
func taskTarget(o *options, sel nsjoin.Selection) (*target, error) {
	ctx, c, done, err := connect(o)
	if err != nil {
		return nil, err
	}
	t, err := c.Find(ctx, o.target)
	if err != nil {
		done()
		return nil, err
	}
	return foundTask(ctx, c, t, sel, o, done), nil
}

// foundTask is the target of a task that c found or listed, with its
// warnings (paused, risky); the recheck asks c again within ctx.
func foundTask(ctx context.Context, c *runtime.Client, t *runtime.Target, sel nsjoin.Selection, o *options, done func()) *target {
	name := fmt.Sprintf("task %s/%s", t.Namespace, t.ID)
	logrus.Debugf("%s: pid %d, status %s, containerd at %s", name, t.PID, t.Status, c.Address())
	if t.Status == runtime.StatusPaused || t.Status == runtime.StatusPausing {
		logrus.Warnf("%s is paused: joining anyway, but its processes stay frozen until `ctr -n %s task resume %s`", name, t.Namespace, t.ID)
	}
	warnRiskySpec(name, t.Spec, o)
	return &target{
		name:      name,
		pid:       int(t.PID),
		sel:       taskSelection(t, sel),
		specPaths: specPaths(t),
		recheck:   func() error { return c.Recheck(ctx, t) },
		done:      done,
		spec:      t.Spec,
		paused:    t.Status == runtime.StatusPaused || t.Status == runtime.StatusPausing,
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
			logrus.Debugf("namespace %s: the container's spec has none, it shares the host's; not joined", typ)
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

// typesColumn is what --list shows of a task's namespaces.
func typesColumn(t *runtime.Target) string {
	if types := t.PrivateTypes(); len(types) > 0 {
		return strings.Join(types, ",")
	}
	return "-"
}
