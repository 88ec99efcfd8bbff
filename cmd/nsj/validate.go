package main

import (
	"path/filepath"
	"strings"

	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
)

// Each mode's flags are checked in one place, its validator, before
// anything is looked up or opened: a flag that the mode would ignore is
// rejected with one line that says what to drop.

// validators holds the validator of each mode that takes flags; help,
// version and the completion modes take none.
var validators = map[mode]func(*options) error{
	modeJoinTask:   validateJoinTask,
	modeJoinPID:    validateJoinPID,
	modeJoinPod:    validateJoinPod,
	modeList:       validateList,
	modeListPods:   validateListPods,
	modeInspect:    validateInspect,
	modeInspectPod: validateInspectPod,
	modeAll:        validateAll,
}

// validate runs the validator of o's mode.
func (o *options) validate() error {
	if v := validators[o.mode]; v != nil {
		return v(o)
	}
	return nil
}

// Flags that only some modes take.
var (
	listFlags    = []string{"quiet", "output", "all-namespaces"}         // --list's (-o, -A: --all's too)
	joinFlags    = []string{"sysfs", "env", "ns", "fs", "wd", "root-at"} // what the joined command gets
	allFlagsOnly = []string{"task-timeout"}                              // --all's, beyond the selection flags
)

// flagHome says which mode a flag goes with, for the message.
var flagHome = map[string]string{
	"quiet": "--list", "output": "--list or --all", "all-namespaces": "--list or --all",
	"sysfs": "a join", "env": "a join", "ns": "a join", "fs": "a join", "wd": "a join", "root-at": "a join",
	"task-timeout": "--all",
}

// rejectGiven refuses the first of names that the command line gave; where
// names the mode ("--list", "a join").
func (o *options) rejectGiven(where string, names ...[]string) error {
	for _, group := range names {
		for _, name := range group {
			if label, ok := o.given[name]; ok {
				return usageErrorf("%s goes with %s, not %s: drop %s", label, flagHome[name], where, label)
			}
		}
	}
	return nil
}

func validateJoinTask(o *options) error {
	if err := checkOutput(o, "table or json"); err != nil {
		return err
	}
	if o.target == "" {
		return usageErrorf("no target: name a TASK (see nsj --list) or a process with -t PID")
	}
	return o.validateJoin("a join")
}

func validateJoinPID(o *options) error {
	if err := checkOutput(o, "table or json"); err != nil {
		return err
	}
	if o.address != "" || o.namespace != "" {
		return usageErrorf("--target-pid names a process directly; drop -a/-n")
	}
	return o.validateJoin("a join")
}

func validateJoinPod(o *options) error {
	if err := o.checkPod(); err != nil {
		return err
	}
	return o.validateJoin("a join")
}

// validateJoin is what every join checks after its target: no flag of
// --list's or --all's, then the command's own flags.
func (o *options) validateJoin(where string) error {
	if err := o.rejectGiven(where, listFlags, allFlagsOnly); err != nil {
		return err
	}
	return o.checkCommon()
}

func validateList(o *options) error {
	switch {
	case o.targetPID != 0 || o.inspect:
		return usageErrorf("--list takes no target; see nsj --help")
	case len(o.command) > 0:
		return usageErrorf("--list takes no arguments, got %q", strings.Join(o.command, " "))
	}
	if err := checkOutput(o, "table or json"); err != nil {
		return err
	}
	if err := o.rejectGiven("--list", joinFlags, allFlagsOnly); err != nil {
		return err
	}
	return o.checkCommon()
}

func validateListPods(o *options) error {
	if err := o.checkPod(); err != nil {
		return err
	}
	if err := o.rejectGiven("--list", joinFlags, allFlagsOnly); err != nil {
		return err
	}
	return o.checkCommon()
}

func validateInspect(o *options) error {
	if err := checkOutput(o, "table or json"); err != nil {
		return err
	}
	switch {
	case o.target == "":
		return usageErrorf("--inspect needs a TASK; see nsj --list")
	case len(o.command) > 0:
		return usageErrorf("--inspect takes one TASK, got %q too", strings.Join(o.command, " "))
	}
	return o.validateJoin("--inspect")
}

func validateInspectPod(o *options) error {
	if err := o.checkPod(); err != nil {
		return err
	}
	return o.validateJoin("--inspect")
}

// validateAll rejects what does not go with --all, and --all's own flags
// without it.
func validateAll(o *options) error {
	switch {
	case !o.all && o.taskTimeout != 0:
		return usageErrorf("--task-timeout limits each task of nsj --all; for a single command use timeout(1): timeout 30s nsj TASK COMMAND")
	case !o.all:
		return usageErrorf("--selector, --pod-namespace, -j, --no-prefix and --stop-at-eof go with --all; see nsj --help")
	case o.list || o.inspect || o.targetPID != 0:
		return usageErrorf("--all runs a command in every matching task; drop --list, --inspect and -t")
	case len(o.command) == 0:
		return usageErrorf("--all needs a COMMAND: nsj --all [flags] -- COMMAND [ARG...]")
	case o.quiet:
		return usageErrorf("-q goes with --list; with --all, --no-prefix leaves the output as it is")
	}
	if err := checkOutput(o, "table (lines prefixed with the task) or json"); err != nil {
		return err
	}
	switch {
	case o.noPrefix && o.output == "json":
		return usageErrorf("--no-prefix is for text output; -o json records name the task in a field of their own")
	case o.jobs < 0:
		return usageErrorf("-j %d: run at least one task at a time", o.jobs)
	case o.taskTimeout < 0:
		return usageErrorf("--task-timeout %s: give each task a positive time, such as 30s, or 0 for no limit", o.taskTimeout)
	}
	if _, err := parseSelector(o); err != nil {
		return err
	}
	return o.checkCommon()
}

// checkPod parses a pod target and rejects what does not go with pods: the
// first check of the pod modes (join, inspect, --list --pods).
func (o *options) checkPod() error {
	if runtime.IsPodRef(o.target) {
		ref, err := runtime.ParsePodRef(o.target, o.podNamespace)
		if err != nil {
			return usageErrorf("%w", err)
		}
		o.pod = &ref
	}
	switch {
	case o.pods && !o.list:
		return usageErrorf("--pods goes with --list: nsj --list --pods [--pod-namespace NAMESPACE]")
	case !o.pods && o.pod == nil:
		return usageErrorf("--sandbox needs a pod target: nsj --sandbox pod/NAME COMMAND")
	case o.all || len(o.selectors) > 0 || o.jobs != 0 || o.noPrefix || o.taskTimeout != 0:
		return usageErrorf("a pod target names one container; --all (with --pod-namespace) runs a command in many")
	case o.pods && o.allNamespaces:
		return usageErrorf("--list --pods lists every pod namespace; choose one with --pod-namespace, the containerd namespace with -n")
	case o.list && len(o.command) > 0:
		return usageErrorf("--list takes no arguments, got %q", strings.Join(o.command, " "))
	case o.list && o.sandbox:
		return usageErrorf("--sandbox goes with a pod target: nsj --sandbox pod/NAME COMMAND")
	}
	if err := checkOutput(o, "table or json"); err != nil {
		return err
	}
	switch {
	case o.pods:
		return nil
	case o.sandbox && o.pod.Container != "":
		return usageErrorf("--sandbox joins the pod's sandbox, not container %q; drop one", o.pod.Container)
	case o.inspect && len(o.command) > 0:
		return usageErrorf("--inspect takes one target, got %q too", strings.Join(o.command, " "))
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

// checkCommon checks the flags every mode reads the same way.
func (o *options) checkCommon() error {
	if err := o.checkFS(); err != nil {
		return err
	}
	if err := o.checkUser(); err != nil {
		return err
	}
	if o.timeout <= 0 {
		return usageErrorf("--timeout %s: give containerd a positive time, such as 5s", o.timeout)
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
