package main

import (
	"errors"
	"fmt"
	"os"
	goruntime "runtime"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/internal/fanout"
	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/runtime"
)

// nsj --all runs COMMAND in every running task that matches: it lists the
// tasks once, then package plan joins each as a single nsj does and starts
// the constructor for it straight away (plan.Each), and package fanout
// runs them N at a time and gathers their output.

// all is nsj --all.
func all(o *options) error {
	if err := plan.RequireAdmin(); err != nil {
		return err
	}
	// A command the host does not have fails once here, not once per task.
	if err := plan.ResolveCommand(o.command, o.env); err != nil {
		return err
	}
	c, tasks, done, err := matchingTasks(o)
	if err != nil {
		return err
	}
	defer done()
	each, err := plan.NewEach(o.ask(), c)
	if err != nil {
		return err
	}
	defer each.Close()
	names := taskNames(tasks, everyNamespace(o, c))
	targets := make([]fanout.Target, len(tasks))
	for i := range tasks {
		targets[i] = each.Target(&tasks[i], names[i])
	}
	run := fanout.Options{Jobs: jobs(o), Format: outputFormat(o), Timeout: o.taskTimeout, Stdout: os.Stdout, Stderr: os.Stderr}
	if o.stopAtEOF {
		run.StopAtEOF = os.Stdin
	}
	if end := fanout.Run(targets, run); end.Code != 0 {
		return &exit.Error{Code: end.Code, Err: errors.New(end.Line)}
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
// client stays open, until done, to recheck the tasks as they are joined
// and to ask about tasks whose command fails.
func matchingTasks(o *options) (*runtime.Client, []runtime.Target, func(), error) {
	sel, err := parseSelector(o)
	if err != nil {
		return nil, nil, nil, err
	}
	opts := o.containerd()
	if o.podNamespace != "" {
		opts = opts.ForPods()
	}
	ctx, c, done, err := runtime.Open(opts)
	if err != nil {
		return nil, nil, nil, err
	}
	listed, err := c.List(ctx, everyNamespace(o, c))
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	tasks := sel.Select(listed)
	if len(tasks) == 0 {
		err := c.MissingNamespace(ctx) // -n naming a namespace no containerd has
		if err == nil {
			err = noTaskMatched(o, c, sel, len(listed))
		}
		done()
		return nil, nil, nil, err
	}
	return c, tasks, done, nil
}

func parseSelector(o *options) (runtime.Selector, error) {
	sel, err := runtime.ParseSelector(o.selectors, o.podNamespace)
	if err != nil {
		return sel, usageErrorf("--selector: %v; write KEY=VALUE, KEY!=VALUE, KEY, !KEY, KEY in (V1,V2) or KEY notin (V1,V2), joined by commas, as for kubectl -l (nsj --inspect TASK shows the labels)", err)
	}
	return sel, nil
}

// taskNames are the output prefixes (runtime.ShownName): the Kubernetes
// <pod-namespace>/<pod>/<container>, the Docker or nerdctl name, else the
// (short) ID; with --all-namespaces the containerd namespace first. Tasks
// that would share a prefix, on two containerds, are led by their socket.
func taskNames(tasks []runtime.Target, withNamespace bool) []string {
	names := make([]string, len(tasks))
	count := map[string]int{}
	for i := range tasks {
		names[i] = runtime.ShownName(&tasks[i], withNamespace)
		count[names[i]]++
	}
	for i := range tasks {
		if count[names[i]] > 1 && tasks[i].Socket != "" {
			names[i] = tasks[i].Socket + " " + names[i]
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
	if everyNamespace(o, c) {
		where, see = "in any containerd namespace", "nsj --list -A"
	}
	what := "no running task " + where
	if s := sel.String(); s != "" {
		what += " matches " + s
	}
	return usageErrorf("%s (%d containers listed); see %s", what, listed, see)
}
