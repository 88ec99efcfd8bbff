package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strings"

	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/runtime"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

// nsj --all runs COMMAND in every running task that matches: it lists the
// tasks once, then runs one child nsj per task (nsj -a ADDRESS -n NAMESPACE
// -- ID COMMAND, through /proc/self/exe), so that each joins exactly as a
// single nsj does; their output comes back through pipes, line by line.

// progressMin: the progress line is shown on a terminal from this many tasks on.
const progressMin = 9

// all is nsj --all.
func all(o *options) error {
	if err := plan.RequireAdmin(); err != nil {
		return err
	}
	// A command the host does not have fails once here, not once per task.
	if err := plan.ResolveCommand(o.command, o.env); err != nil {
		return err
	}
	flags, err := childFlags(os.Args[1:])
	if err != nil {
		return err
	}
	c, tasks, done, err := matchingTasks(o)
	if err != nil {
		return err
	}
	defer done()
	out := newFanOut(o, len(tasks))
	r := newRunner("/proc/self/exe", flags, c, o.command, out)
	r.stopAtEOF = o.stopAtEOF
	results, sig := r.run(tasks, taskNames(tasks, everyNamespace(o, c)), jobs(o))
	out.close()
	if msg, code := summary(results, sig); code != 0 {
		return &exitError{code, errors.New(msg)}
	}
	return nil
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

// allOnly says whether a flag that only --all takes was given.
func (o *options) allOnly() bool {
	return len(o.selectors) > 0 || o.podNamespace != "" || o.jobs != 0 || o.noPrefix || o.stopAtEOF
}

func parseSelector(o *options) (runtime.Selector, error) {
	sel, err := runtime.ParseSelector(o.selectors, o.podNamespace)
	if err != nil {
		return sel, usageErrorf("--selector %v; name a container label and its value, such as app=web (nsj --inspect TASK shows the labels)", err)
	}
	return sel, nil
}

// allFlags are the flags that choose and show the tasks of nsj --all; the
// child nsj gets every other flag the caller gave (--ns, -e, -w, ...).
var allFlags = map[string]bool{
	"all": true, "selector": true, "pod-namespace": true, "jobs": true, "no-prefix": true, "stop-at-eof": true,
	"output": true, "all-namespaces": true, "quiet": true, "address": true, "namespace": true,
}

// childFlags returns the flags of args (nsj's arguments) that a child nsj
// takes, as --name=value.
func childFlags(args []string) ([]string, error) {
	fs := newFlagSet(&options{})
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return nil, usageErrorf("%v; see nsj --help", err)
	}
	var out []string
	fs.Visit(func(f *pflag.Flag) {
		if allFlags[f.Name] {
			return
		}
		if s, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range s.GetSlice() {
				out = append(out, "--"+f.Name+"="+v)
			}
			return
		}
		out = append(out, "--"+f.Name+"="+f.Value.String())
	})
	return out, nil
}

// taskNames are the output prefixes (runtime.ShownName): the Kubernetes
// <pod-namespace>/<pod>/<container>, the Docker or nerdctl name, else the
// (short) ID; with --all-namespaces the containerd namespace first.
func taskNames(tasks []runtime.Target, withNamespace bool) []string {
	names := make([]string, len(tasks))
	for i := range tasks {
		names[i] = runtime.ShownName(&tasks[i], withNamespace)
	}
	return names
}

func jobs(o *options) int {
	if o.jobs > 0 {
		return o.jobs
	}
	return goruntime.NumCPU()
}

func newFanOut(o *options, tasks int) *fanOut {
	f := &fanOut{stdout: os.Stdout, stderr: os.Stderr, format: outputText}
	switch {
	case o.output == "json":
		f.format = outputJSON
	case o.noPrefix:
		f.format = outputBare
	}
	f.ttyOut, f.ttyErr = isTerminal(1), isTerminal(2)
	if f.ttyErr && tasks >= progressMin {
		f.progress = &progress{total: tasks}
	}
	return f
}

// isTerminal reports whether fd is a terminal.
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
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

// summary is the line nsj --all ends with when a task failed, and its exit
// status: 1, or 128+N when signal N interrupted the run; "", 0 when the
// command succeeded everywhere.
func summary(results []taskResult, sig os.Signal) (string, int) {
	var bad []string
	for _, r := range results {
		switch r.status {
		case statusFailed:
			if r.err != nil {
				bad = append(bad, fmt.Sprintf("%s (%v)", r.name, r.err))
			} else {
				bad = append(bad, fmt.Sprintf("%s (exit %d)", r.name, r.code))
			}
		case statusStopped:
			bad = append(bad, r.name+" (task stopped)")
		case statusNotStarted:
			bad = append(bad, r.name+" (not started)")
		}
	}
	if len(bad) == 0 {
		return "", 0
	}
	tasks := "tasks"
	if len(results) == 1 {
		tasks = "task"
	}
	list := strings.Join(bad[:min(len(bad), maxNamed)], ", ")
	if len(bad) > maxNamed {
		list += fmt.Sprintf(" and %d more", len(bad)-maxNamed)
	}
	if s, ok := sig.(unix.Signal); ok {
		return fmt.Sprintf("interrupted by %s: %d of %d %s failed or did not run: %s", unix.SignalName(s), len(bad), len(results), tasks, list), 128 + int(s)
	}
	return fmt.Sprintf("%d of %d %s failed: %s", len(bad), len(results), tasks, list), 1
}

// maxNamed bounds how many failed tasks the summary names.
const maxNamed = 10

// expectedTask checks, in a child of nsj --all, that the task found is the
// one it was started for, not another whose ID starts with the same letters
// (Find takes a unique prefix when the exact ID is gone).
func expectedTask(t *runtime.Target) error {
	want := os.Getenv(envExpectTask)
	if want == "" || want == t.Namespace+"/"+t.ID {
		return nil
	}
	return &exitError{exitFailure, fmt.Errorf("task %s is gone (found %s/%s instead); it stopped before nsj reached it", want, t.Namespace, t.ID)}
}
