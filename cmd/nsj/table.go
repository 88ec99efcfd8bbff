package main

import (
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// The one table of which flag each mode takes. A flag that the command
// line gives and its mode does not take is refused (checkTable), with one
// line naming the flag, the modes it goes with and the mode of this run:
// nsj never ignores a flag. The validators (validate.go) then check only
// values and the flags that exclude each other within a mode.

// Sets of modes that several flags share.
var (
	everyMode = []mode{modeHelp, modeVersion, modeCompletion, modeComplete, modeJoinTask, modeJoinPID, modeJoinPod,
		modeList, modeListPods, modeInspect, modeInspectPod, modeAll}
	// The modes that ask containerd (-t PID asks none).
	askContainerd = []mode{modeJoinTask, modeJoinPod, modeList, modeListPods, modeInspect, modeInspectPod, modeAll}
	// The modes that run a command, and take what it gets (--all runs it in
	// each task as a single join would).
	runCommand = []mode{modeJoinTask, modeJoinPID, modeJoinPod, modeAll}
	podTarget  = []mode{modeJoinPod, modeInspectPod}
)

// flagModes maps each flag of nsj to the modes that take it. -h takes
// every flag: it prints the help wherever it is.
var flagModes = map[string][]mode{
	"help":       everyMode,
	"debug":      everyMode,
	"log-level":  everyMode,
	"version":    {modeVersion},
	"completion": {modeCompletion},
	"complete":   {modeComplete},

	"target-pid": {modeJoinPID},
	"address":    askContainerd,
	"namespace":  askContainerd,
	"timeout":    askContainerd,

	"ns": runCommand, "preserve-credentials": runCommand, "sysfs": runCommand, "wd": runCommand,
	"fs": runCommand, "privileged": runCommand, "root-at": runCommand, "env": runCommand,

	"list":    {modeList, modeListPods},
	"pods":    {modeListPods},
	"inspect": {modeInspect, modeInspectPod},
	"sandbox": podTarget,

	"all": {modeAll}, "selector": {modeAll}, "jobs": {modeAll}, "no-prefix": {modeAll},
	"stop-at-eof": {modeAll}, "task-timeout": {modeAll},
	"pod-namespace":  {modeJoinPod, modeInspectPod, modeListPods, modeAll},
	"all-namespaces": {modeList, modeAll},
	"quiet":          {modeList, modeListPods},
	"output":         {modeList, modeListPods, modeAll},
}

// modeUsage is how a refusal names a mode: the command line that runs it.
var modeUsage = map[mode]string{
	modeHelp: "--help", modeVersion: "--version", modeCompletion: "--completion SHELL", modeComplete: "--complete",
	modeJoinTask: "nsj TASK", modeJoinPID: "nsj -t PID", modeJoinPod: "nsj pod/NAME",
	modeList: "--list", modeListPods: "--list --pods", modeInspect: "--inspect TASK", modeInspectPod: "--inspect pod/NAME",
	modeAll: "--all",
}

// flagHints say more, after a refusal, for flags that are often meant for
// something else.
var flagHints = map[string]string{
	"task-timeout": "; to limit a single command use timeout(1): timeout 30s nsj TASK COMMAND",
	"pods":         "; list the pods with nsj --list --pods",
	"sandbox":      "; join a pod's sandbox with nsj --sandbox pod/NAME COMMAND",
}

// takes says whether mode m takes the flag called name; -h takes every flag.
func takes(m mode, name string) bool { return m == modeHelp || slices.Contains(flagModes[name], m) }

// checkTable refuses the first flag, in the order of --help, that the
// command line gave and o's mode does not take.
func (o *options) checkTable(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		label, given := o.given[f.Name]
		if err != nil || !given || takes(o.mode, f.Name) {
			return
		}
		err = usageErrorf("%s goes with %s, not %s: drop %s%s", label, goesWith(f.Name), modeUsage[o.mode], label, flagHints[f.Name])
	})
	return err
}

// goesWith names the modes that take a flag: "--list or --all".
func goesWith(name string) string {
	modes := flagModes[name]
	if len(modes) == len(everyMode) {
		return "every mode"
	}
	usage := make([]string, len(modes))
	for i, m := range modes {
		usage[i] = modeUsage[m]
	}
	if len(usage) == 1 {
		return usage[0]
	}
	return strings.Join(usage[:len(usage)-1], ", ") + " or " + usage[len(usage)-1]
}
