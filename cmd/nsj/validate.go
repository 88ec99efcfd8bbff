package main

import (
	"path/filepath"
	"strings"

	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
	"github.com/spf13/pflag"
)

// Each mode's flags are checked before anything is looked up or opened:
// first against the table (table.go), which refuses a flag the mode does
// not take, then by the mode's validator here, which checks the values and
// the flags that exclude each other.

// validators holds the validator of each mode; help takes any flag.
var validators = map[mode]func(*options) error{
	modeVersion:    noArguments("--version"),
	modeCompletion: noArguments("--completion SHELL"),
	modeComplete:   func(*options) error { return nil }, // its words are the command line typed so far
	modeJoinTask:   validateJoinTask,
	modeJoinPID:    validateJoinPID,
	modeJoinPod:    validateJoinPod,
	modeList:       validateList,
	modeListPods:   validateListPods,
	modeInspect:    validateInspect,
	modeInspectPod: validateInspectPod,
	modeAll:        validateAll,
}

// validate checks o's flags against the table, then by its mode's validator.
func (o *options) validate(fs *pflag.FlagSet) error {
	if err := o.checkTable(fs); err != nil {
		return err
	}
	if v := validators[o.mode]; v != nil {
		if err := v(o); err != nil {
			return err
		}
	}
	return o.checkForwards()
}

// noArguments refuses words after the flags of a mode that takes none.
func noArguments(usage string) func(*options) error {
	return func(o *options) error {
		if len(o.command) > 0 {
			return usageErrorf("%s takes no arguments, got %q", usage, strings.Join(o.command, " "))
		}
		return nil
	}
}

func validateJoinTask(o *options) error {
	if o.target == "" {
		return usageErrorf("no target: name a TASK (see nsj --list) or a process with -t PID")
	}
	if err := o.checkTaskNamespace(); err != nil {
		return err
	}
	return o.checkCommand()
}

func validateJoinPID(o *options) error { return o.checkCommand() }

func validateJoinPod(o *options) error {
	if err := o.checkPod(); err != nil {
		return err
	}
	return o.checkCommand()
}

// checkTaskNamespace refuses a TASK written NAMESPACE/ID whose namespace
// -n contradicts.
func (o *options) checkTaskNamespace() error {
	ns, _, ok := strings.Cut(o.target, "/")
	if _, given := o.given["namespace"]; ok && given && ns != o.namespace {
		return usageErrorf("%q names containerd namespace %q, -n %q; give one of them", o.target, ns, o.namespace)
	}
	return nil
}

func validateList(o *options) error {
	if err := noArguments("--list")(o); err != nil {
		return err
	}
	return o.checkListing()
}

func validateListPods(o *options) error {
	if err := noArguments("--list --pods")(o); err != nil {
		return err
	}
	return o.checkListing()
}

// checkListing checks what --list and --list --pods print.
func (o *options) checkListing() error {
	if err := o.checkNamespaces(); err != nil {
		return err
	}
	if _, q := o.given["quiet"]; q && o.given["output"] != "" {
		return usageErrorf("-q prints the references only, -o the whole list as a table or json; give one of them")
	}
	if err := checkOutput(o, "table or json"); err != nil {
		return err
	}
	return o.checkTimeout()
}

// checkNamespaces refuses -A with -n: every containerd namespace, or one.
func (o *options) checkNamespaces() error {
	if _, a := o.given["all-namespaces"]; a && o.given["namespace"] != "" {
		return usageErrorf("-A takes every containerd namespace, -n %s one; give one of them", o.namespace)
	}
	return nil
}

func validateInspect(o *options) error {
	switch {
	case o.target == "":
		return usageErrorf("--inspect needs a TASK; see nsj --list")
	case len(o.command) > 0:
		return usageErrorf("--inspect takes one TASK, got %q too", strings.Join(o.command, " "))
	}
	if err := o.checkTaskNamespace(); err != nil {
		return err
	}
	return o.checkTimeout()
}

func validateInspectPod(o *options) error {
	if err := o.checkPod(); err != nil {
		return err
	}
	if len(o.command) > 0 {
		return usageErrorf("--inspect takes one target, got %q too", strings.Join(o.command, " "))
	}
	return o.checkTimeout()
}

// validateAll checks the values of --all's flags.
func validateAll(o *options) error {
	_, jobsGiven := o.given["jobs"]
	switch {
	case len(o.command) == 0:
		return usageErrorf("--all needs a COMMAND: nsj --all [flags] -- COMMAND [ARG...]")
	case o.noPrefix && o.output == "json":
		return usageErrorf("--no-prefix is for text output; -o json records name the task in a field of their own")
	case jobsGiven && o.jobs < 1:
		return usageErrorf("-j %d: run at least one task at a time (without -j, as many as there are CPUs)", o.jobs)
	case o.taskTimeout < 0:
		return usageErrorf("--task-timeout %s: give each task a positive time, such as 30s, or 0 for no limit", o.taskTimeout)
	}
	if err := checkOutput(o, "table (lines prefixed with the task) or json"); err != nil {
		return err
	}
	if err := o.checkNamespaces(); err != nil {
		return err
	}
	if _, err := parseSelector(o); err != nil {
		return err
	}
	return o.checkCommand()
}

// checkPod parses the pod target: the first check of the modes that join
// or inspect a pod.
func (o *options) checkPod() error {
	ref, err := runtime.ParsePodRef(o.target, o.podNamespace)
	if err != nil {
		return usageErrorf("%w", err)
	}
	o.pod = &ref
	if o.sandbox && ref.Container != "" {
		return usageErrorf("--sandbox joins the pod's sandbox, not container %q; drop one", ref.Container)
	}
	return nil
}

// checkOutput rejects an -o FORMAT that is neither table nor json; use
// says what they are.
func checkOutput(o *options, use string) error {
	if o.output != "table" && o.output != "json" {
		return usageErrorf("--output %q: use %s", o.output, use)
	}
	return nil
}

// checkTimeout checks --timeout, which every mode that asks containerd takes.
func (o *options) checkTimeout() error {
	if o.timeout <= 0 {
		return usageErrorf("--timeout %s: give containerd a positive time, such as 5s", o.timeout)
	}
	return nil
}

// checkCommand checks what the command gets: the flags of the modes that
// run one.
func (o *options) checkCommand() error {
	if err := o.checkFS(); err != nil {
		return err
	}
	if err := o.checkUser(); err != nil {
		return err
	}
	if o.mode != modeJoinPID {
		if err := o.checkTimeout(); err != nil {
			return err
		}
	}
	return checkEnv(o.env)
}

// checkEnv rejects -e entries without a key, and the names of nsj's own
// variables (_NSJ_...), which never reach the command.
func checkEnv(env []string) error {
	for _, e := range env {
		if strings.HasPrefix(e, "=") || e == "" {
			return usageErrorf("-e %q: use KEY=VALUE or KEY", e)
		}
		if strings.HasPrefix(e, nsjoin.PrivateEnvPrefix) {
			return usageErrorf("-e %q: names starting with %s are nsj's own and never reach the command; drop it", e, nsjoin.PrivateEnvPrefix)
		}
	}
	return nil
}

// checkFS rejects --fs and --root-at values that make no sense, and makes
// DIR absolute.
func (o *options) checkFS() error {
	switch {
	case o.fs != plan.FSHost && o.fs != plan.FSContainer:
		return usageErrorf("--fs %q: use host (the host's files; the default) or container (the container's own)", o.fs)
	case o.fs == plan.FSContainer && o.rootAt != "":
		return usageErrorf("--root-at attaches the container's root in the host view; with --fs container / already is the container's root")
	case o.fs == plan.FSContainer && o.sysfs:
		return usageErrorf("--sysfs mounts in nsj's private host view; with --fs container the container's own /sys is used")
	case o.privileged && o.fs != plan.FSContainer:
		return usageErrorf("--privileged goes with --fs container, where it keeps the host's privileges; in the host view (the default) the command has them anyway: drop --privileged")
	case o.rootAt == "":
		return nil
	case o.all && o.jobs != 1:
		return usageErrorf("--root-at %s with --all: tasks run at once would share the directory; add -j 1", o.rootAt)
	}
	dir, err := filepath.Abs(o.rootAt)
	if err != nil {
		return usageErrorf("--root-at %s: %v", o.rootAt, err)
	}
	if dir == "/" {
		return usageErrorf("--root-at /: the container's root would hide the host's; %s", plan.RootAtHint)
	}
	o.rootAt = dir
	return plan.CheckRootAt(dir, plan.CommandPath(o.env))
}

// checkUser rejects --preserve-credentials where it would change nothing.
func (o *options) checkUser() error {
	if o.preserveCreds && !plan.JoinsUser(o.ns) {
		return usageErrorf("--preserve-credentials keeps nsj's credentials in the container's user namespace, which nsj joins only with --ns user; add user to --ns or drop --preserve-credentials")
	}
	return nil
}
