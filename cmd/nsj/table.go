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
	joinOne    = []mode{modeJoinTask, modeJoinPID, modeJoinPod} // -L and -R (forward.go)
)

// flagRow is a flag of nsj and the modes that take it.
type flagRow struct {
	name  string
	modes []mode
	hint  string // said after a refusal, for a flag often meant for something else
}

// flagTable holds every flag of nsj, in the order of --help. -h takes every
// flag: it prints the help wherever it is. Static data: building it costs
// nsj's start-up nothing.
var flagTable = []flagRow{
	{name: "target-pid", modes: []mode{modeJoinPID}},
	{name: "address", modes: askContainerd},
	{name: "namespace", modes: askContainerd},
	{name: "timeout", modes: askContainerd},
	{name: "ns", modes: runCommand},
	{name: "preserve-credentials", modes: runCommand},
	{name: "sysfs", modes: runCommand},
	{name: "wd", modes: runCommand},
	{name: "fs", modes: runCommand},
	{name: "privileged", modes: runCommand},
	{name: "root-at", modes: runCommand},
	{name: "env", modes: runCommand},
	{name: "forward", modes: joinOne, hint: "; forward to one container at a time: nsj -L 8080:127.0.0.1:80 TASK"},
	{name: "reverse", modes: joinOne, hint: "; forward to one container at a time: nsj -R 9000:127.0.0.1:9000 TASK"},
	{name: "reverse-stdio", modes: joinOne},
	{name: "list", modes: []mode{modeList, modeListPods}},
	{name: "inspect", modes: []mode{modeInspect, modeInspectPod}},
	{name: "all", modes: []mode{modeAll}},
	{name: "selector", modes: []mode{modeAll}},
	{name: "pod-namespace", modes: []mode{modeJoinPod, modeInspectPod, modeListPods, modeAll}},
	{name: "jobs", modes: []mode{modeAll}},
	{name: "no-prefix", modes: []mode{modeAll}},
	{name: "stop-at-eof", modes: []mode{modeAll}},
	{name: "task-timeout", modes: []mode{modeAll}, hint: "; to limit a single command use timeout(1): timeout 30s nsj TASK COMMAND"},
	{name: "sandbox", modes: podTarget, hint: "; join a pod's sandbox with nsj --sandbox pod/NAME COMMAND"},
	{name: "pods", modes: []mode{modeListPods}, hint: "; list the pods with nsj --list --pods"},
	{name: "all-namespaces", modes: []mode{modeList, modeAll}},
	{name: "quiet", modes: []mode{modeList, modeListPods}},
	{name: "output", modes: []mode{modeList, modeListPods, modeAll}},
	{name: "debug", modes: everyMode},
	{name: "log-level", modes: everyMode},
	{name: "version", modes: []mode{modeVersion}},
	{name: "completion", modes: []mode{modeCompletion}},
	{name: "complete", modes: []mode{modeComplete}},
	{name: "help", modes: everyMode},
}

// row is the table's row of flag name; the zero flagRow (no mode) if none.
func row(name string) flagRow {
	for _, r := range flagTable {
		if r.name == name {
			return r
		}
	}
	return flagRow{}
}

// modeUsage is how a refusal names a mode: the command line that runs it.
var modeUsage = [...]string{
	modeHelp: "--help", modeVersion: "--version", modeCompletion: "--completion SHELL", modeComplete: "--complete",
	modeJoinTask: "nsj TASK", modeJoinPID: "nsj -t PID", modeJoinPod: "nsj pod/NAME",
	modeList: "--list", modeListPods: "--list --pods", modeInspect: "--inspect TASK", modeInspectPod: "--inspect pod/NAME",
	modeAll: "--all",
}

// takes says whether mode m takes the flag called name; -h takes every flag.
func takes(m mode, name string) bool { return m == modeHelp || slices.Contains(row(name).modes, m) }

// checkTable refuses the first flag, in the order of --help, that the
// command line gave and o's mode does not take.
func (o *options) checkTable(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		label, given := o.given[f.Name]
		if err != nil || !given || takes(o.mode, f.Name) {
			return
		}
		err = usageErrorf("%s goes with %s, not %s: drop %s%s", label, goesWith(f.Name), modeUsage[o.mode], label, row(f.Name).hint)
	})
	return err
}

// goesWith names the modes that take a flag: "--list or --all".
func goesWith(name string) string {
	modes := row(name).modes
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
