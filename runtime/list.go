package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/containerd/errdefs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// List returns every container of the client's namespace, or of all
// namespaces, sorted by namespace then ID, on each containerd of the node
// in turn (see ListNode). Containers with a task carry its PID and status;
// those without one have PID 0 and Status StatusNoTask. It makes two calls
// per namespace (containers and tasks), plus one to list the namespaces. A
// container whose spec cannot be read is listed without Namespaces or Spec.
// Of all namespaces, one that containerd answers with an error is left out
// with a warning that names it; an unreachable containerd fails the list.
func (c *Client) List(ctx context.Context, allNamespaces bool) ([]Target, error) {
	l, err := c.ListNode(ctx, allNamespaces)
	for i := range l.Tasks {
		l.Tasks[i].readSpec()
	}
	return l.Tasks, err
}

// listOne is List on this containerd alone; it also returns the
// namespaces listed.
func (c *Client) listOne(ctx context.Context, allNamespaces bool) ([]Target, []string, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	nss := []string{c.namespace}
	if allNamespaces {
		var err error
		if nss, err = c.store.namespaces(ctx); err != nil {
			return nil, nil, c.callError(err, "list containerd namespaces")
		}
		sort.Strings(nss)
	}
	var out []Target
	for _, ns := range nss {
		ts, err := c.listNamespace(ctx, ns)
		switch {
		case err != nil && (!allNamespaces || errors.Is(err, ErrUnavailable)):
			return nil, nil, err
		case err != nil: // containerd answered, about this namespace alone
			logrus.Warnf("namespace %q left out: %v", ns, err)
		}
		out = append(out, ts...)
	}
	c.addDockerNames(ctx, out)
	return out, nss, nil
}

// listNamespace lists the containers of one namespace, sorted by ID. It
// reads of each spec only the namespaces (what --list shows): List reads
// the whole spec after (readSpec).
func (c *Client) listNamespace(ctx context.Context, ns string) ([]Target, error) {
	ctrs, err := c.store.containers(ctx, ns)
	if err != nil {
		return nil, c.callError(err, fmt.Sprintf("list containers in namespace %q", ns))
	}
	tasks, err := c.store.tasks(ctx, ns)
	if err != nil {
		return nil, c.callError(err, fmt.Sprintf("list tasks in namespace %q", ns))
	}
	byID := make(map[string]*taskState, len(tasks))
	for i := range tasks {
		byID[tasks[i].ID] = &tasks[i]
	}
	out := make([]Target, 0, len(ctrs))
	for _, ctr := range ctrs {
		t, err := newListedTarget(ns, ctr, byID[ctr.ID])
		if err != nil {
			logrus.Warnf("%v", err)
		}
		t.Socket = c.address
		t.markHostShared(c.proc)
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Recheck asks containerd again about t: it returns nil if the same task is
// still there with t.PID and has not stopped (t.Status is updated), else an
// error of kind ErrChanged. Call it after joining, to be sure the namespaces
// joined were the task's.
func (c *Client) Recheck(ctx context.Context, t *Target) error {
	if s := c.on(t.Socket); s != c {
		return s.Recheck(ctx, t)
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	ts, err := c.store.task(ctx, t.Namespace, t.ID)
	switch {
	case errdefs.IsNotFound(err):
		return newError(ErrChanged, "task %q in namespace %q exited and was removed while nsj was joining it", t.ID, t.Namespace)
	case err != nil:
		return c.callError(err, fmt.Sprintf("get task %q in namespace %q again", t.ID, t.Namespace))
	case ts.PID != t.PID:
		return newError(ErrChanged, "the task restarted while nsj was joining it; try again (task %q in namespace %q: pid %d is now %d)", t.ID, t.Namespace, t.PID, ts.PID)
	case ts.Status == StatusStopped:
		return newError(ErrChanged, "task %q in namespace %q exited while nsj was joining it", t.ID, t.Namespace)
	}
	t.Status = ts.Status
	return nil
}

// newTarget builds the Target of a container and its task (nil: none). On a
// spec error it returns the target without spec and namespaces too.
func newTarget(ns string, ctr container, ts *taskState) (Target, error) {
	t := baseTarget(ns, ctr, ts)
	spec, err := parseSpec(ctr)
	if err != nil {
		return t, fmt.Errorf("container %q in namespace %q: %w", ctr.ID, ns, err)
	}
	t.Spec, t.Namespaces = spec, SpecNamespaces(spec)
	return t, nil
}

// newListedTarget is newTarget reading only the namespaces of the spec;
// t.rawSpec keeps the spec for readSpec.
func newListedTarget(ns string, ctr container, ts *taskState) (Target, error) {
	t := baseTarget(ns, ctr, ts)
	nss, err := specNamespaces(ctr)
	if err != nil {
		return t, fmt.Errorf("container %q in namespace %q: %w", ctr.ID, ns, err)
	}
	t.Namespaces, t.rawSpec = nss, ctr.Spec
	return t, nil
}

// baseTarget is the Target of a container and its task, without its spec.
func baseTarget(ns string, ctr container, ts *taskState) Target {
	t := Target{Namespace: ns, ID: ctr.ID, Name: labelName(ctr.Labels), Status: StatusNoTask, Image: ctr.Image, Labels: ctr.Labels}
	if ts != nil {
		t.PID, t.Status = ts.PID, ts.Status
	}
	return t
}

// specNamespaces reads only the namespaces of a container's OCI spec.
func specNamespaces(ctr container) ([]Namespace, error) {
	if ctr.Spec == nil || len(ctr.Spec.Value) == 0 {
		return nil, fmt.Errorf("container has no OCI spec")
	}
	var spec struct {
		Linux struct {
			Namespaces []specs.LinuxNamespace `json:"namespaces"`
		} `json:"linux"`
	}
	if err := json.Unmarshal(ctr.Spec.Value, &spec); err != nil {
		return nil, fmt.Errorf("read OCI spec (type %s): %w", ctr.Spec.TypeURL, err)
	}
	return SpecNamespaces(&specs.Spec{Linux: &specs.Linux{Namespaces: spec.Linux.Namespaces}}), nil
}

// readSpec decodes the whole spec of a listed target (its namespaces were
// read), for what joins it; a spec that cannot be read leaves Spec nil,
// with a warning.
func (t *Target) readSpec() {
	if t.rawSpec == nil || t.Spec != nil {
		return
	}
	spec, err := parseSpec(container{ID: t.ID, Spec: t.rawSpec})
	if err != nil {
		logrus.Warnf("container %q in namespace %q: %v", t.ID, t.Namespace, err)
		return
	}
	t.Spec, t.rawSpec = spec, nil
}

// parseSpec decodes the OCI spec of a container. containerd stores it as a
// typeurl Any whose value is the spec's JSON.
func parseSpec(ctr container) (*specs.Spec, error) {
	if ctr.Spec == nil || len(ctr.Spec.Value) == 0 {
		return nil, fmt.Errorf("container has no OCI spec")
	}
	var spec specs.Spec
	if err := json.Unmarshal(ctr.Spec.Value, &spec); err != nil {
		return nil, fmt.Errorf("read OCI spec (type %s): %w", ctr.Spec.TypeURL, err)
	}
	return &spec, nil
}
