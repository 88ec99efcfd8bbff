package main

import (
	"errors"
	"fmt"
	"os"
	goruntime "runtime"

	"github.com/nsj-dev/nsj/internal/fanout"
	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
)

// nsj --all runs COMMAND in every running task that matches: it lists the
// tasks once, then joins each as a single nsj does (all_join.go), starting
// the constructor straight away, and package fanout runs them N at a time
// and gathers their output.

// all is nsj --all.
func all(o *options) error {
	if err := requireAdmin(); err != nil {
		return err
	}
	sel, err := parseNamespaceTypes(o.ns)
	if err != nil {
		return err
	}
	// A command the host does not have fails once here, not once per task.
	if _, err := resolveCommand(o); err != nil {
		return err
	}
	c, tasks, done, err := matchingTasks(o)
	if err != nil {
		return err
	}
	defer done()
	sp, err := nsjoin.NewSpawner()
	if err != nil {
		return err
	}
	defer sp.Close()
	j := &taskJoiner{o: o, sel: sel, client: c, spawner: sp}
	names := taskNames(tasks, o.allNamespaces)
	targets := make([]fanout.Target, len(tasks))
	for i := range tasks {
		t := &tasks[i]
		targets[i] = fanout.Target{Name: names[i], Namespace: t.Namespace, ID: t.ID,
			Start: func(stdio [3]*os.File) (*fanout.Started, error) { return j.start(t, stdio) }}
	}
	end := fanout.Run(targets, fanout.Options{Jobs: jobs(o), Format: outputFormat(o), Timeout: o.taskTimeout, Stdout: os.Stdout, Stderr: os.Stderr})
	if end.Code != 0 {
		return &exitError{end.Code, errors.New(end.Line)}
	}
	return nil
}

func outputFormat(o *options) fanout.Format {
	switch {
	case o.output == "json":
		return fanout.JSON
	case o.noPrefix:
		return fanout.Bare
	}
	return fanout.Text
}

// matchingTasks lists the tasks (one List) and keeps those to run in; the
// client stays open, until done, to ask about tasks whose command fails.
func matchingTasks(o *options) (*runtime.Client, []runtime.Target, func(), error) {
	sel, err := parseSelector(o)
	if err != nil {
		return nil, nil, nil, err
	}
	if o.podNamespace != "" && o.namespace == "" {
		ko := *o // pods live in containerd namespace k8s.io unless -n says otherwise
		ko.namespace = runtime.KubernetesNamespace
		o = &ko
	}
	ctx, c, done, err := connect(o)
	if err != nil {
		return nil, nil, nil, err
	}
	listed, err := c.List(ctx, o.allNamespaces)
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	tasks := sel.Select(listed)
	if len(tasks) == 0 {
		err := noTaskMatched(o, c, sel, len(listed))
		done()
		return nil, nil, nil, err
	}
	return c, tasks, done, nil
}

// checkAll rejects what does not go with --all, and --all's own flags
// without it.
func (o *options) checkAll() error {
	switch {
	case !o.all:
		if o.taskTimeout != 0 {
			return usageErrorf("--task-timeout limits each task of nsj --all; for a single command use timeout(1): timeout 30s nsj TASK COMMAND")
		}
		return usageErrorf("--selector, --pod-namespace, -j and --no-prefix go with --all; see nsj --help")
	case o.list || o.inspect || o.targetPID != 0:
		return usageErrorf("--all runs a command in every matching task; drop --list, --inspect and -t")
	case len(o.command) == 0:
		return usageErrorf("--all needs a COMMAND: nsj --all [flags] -- COMMAND [ARG...]")
	case o.quiet:
		return usageErrorf("-q goes with --list; with --all, --no-prefix leaves the output as it is")
	case o.output != "table" && o.output != "json":
		return usageErrorf("--output %q: use table (lines prefixed with the task) or json", o.output)
	case o.noPrefix && o.output == "json":
		return usageErrorf("--no-prefix is for text output; -o json records name the task in a field of their own")
	case o.jobs < 0:
		return usageErrorf("-j %d: run at least one task at a time", o.jobs)
	case o.taskTimeout < 0:
		return usageErrorf("--task-timeout %s: give each task a positive time, such as 30s, or 0 for no limit", o.taskTimeout)
	}
	_, err := parseSelector(o)
	return err
}

// allOnly says whether a flag that only --all takes was given.
func (o *options) allOnly() bool {
	return len(o.selectors) > 0 || o.podNamespace != "" || o.jobs != 0 || o.noPrefix || o.taskTimeout != 0
}

func parseSelector(o *options) (runtime.Selector, error) {
	sel, err := runtime.ParseSelector(o.selectors, o.podNamespace)
	if err != nil {
		return sel, usageErrorf("--selector %v; name a container label and its value, such as app=web (nsj --inspect TASK shows the labels)", err)
	}
	return sel, nil
}

// taskNames are the output prefixes: <pod-namespace>/<pod>/<container> for
// Kubernetes containers, else the ID, or NAMESPACE/ID with --all-namespaces.
func taskNames(tasks []runtime.Target, withNamespace bool) []string {
	names := make([]string, len(tasks))
	for i := range tasks {
		t := &tasks[i]
		switch {
		case runtime.KubernetesName(t) != "":
			names[i] = runtime.KubernetesName(t)
		case withNamespace:
			names[i] = t.Namespace + "/" + t.ID
		default:
			names[i] = t.ID
		}
	}
	return names
}

func jobs(o *options) int {
	if o.jobs > 0 {
		return o.jobs
	}
	return goruntime.NumCPU()
}

// noTaskMatched is the error for a run with nothing to run in.
func noTaskMatched(o *options, c *runtime.Client, sel runtime.Selector, listed int) error {
	where := fmt.Sprintf("in namespace %q", c.Namespace())
	see := "nsj --list -n " + c.Namespace()
	if o.allNamespaces {
		where, see = "in any containerd namespace", "nsj --list -A"
	}
	what := "no running task " + where
	if s := sel.String(); s != "" {
		what += " matches " + s
	}
	return usageErrorf("%s (%d containers listed); see %s", what, listed, see)
}
