package main

import "github.com/nsj-dev/nsj/runtime"

// mode is what one run of nsj does. It is worked out once, from the parsed
// flags (decideMode); the table (table.go) says which flags it takes, and
// its validator (validate.go) checks their values, before anything is
// looked up or opened.
type mode int

const (
	modeHelp       mode = iota // -h: the usage, printed while parsing
	modeVersion                // --version
	modeCompletion             // --completion SHELL: print a completion script
	modeComplete               // hidden --complete: candidates for the words typed
	modeJoinTask               // TASK [COMMAND]: join a containerd task
	modeJoinPID                // -t PID [COMMAND]: join any process
	modeJoinPod                // pod/NAME[/CONTAINER], k8s://..., --sandbox: join a pod's container or sandbox
	modeList                   // --list: the tasks
	modeListPods               // --list --pods: the pods and their containers
	modeInspect                // --inspect TASK: one task as JSON
	modeInspectPod             // --inspect pod/NAME[/CONTAINER]: a pod's container as JSON
	modeAll                    // --all COMMAND: every matching task
)

var modeNames = map[mode]string{
	modeHelp: "help", modeVersion: "version", modeCompletion: "completion", modeComplete: "complete",
	modeJoinTask: "join a task", modeJoinPID: "join a PID", modeJoinPod: "join a pod",
	modeList: "list", modeListPods: "list pods", modeInspect: "inspect", modeInspectPod: "inspect a pod", modeAll: "all",
}

func (m mode) String() string { return modeNames[m] }

// decideMode picks the mode from the flags that choose one. Where several
// are given, the first here wins, and the table (table.go) refuses the
// others by name: --list --inspect is --list, which takes no --inspect.
func decideMode(o *options) mode {
	podRef := runtime.IsPodRef(o.target)
	switch {
	case o.help:
		return modeHelp
	case o.version:
		return modeVersion
	case o.completion != "":
		return modeCompletion
	case o.complete:
		return modeComplete
	case o.list && o.pods:
		return modeListPods
	case o.list:
		return modeList
	case o.all:
		return modeAll
	case o.inspect && podRef:
		return modeInspectPod
	case o.inspect:
		return modeInspect
	case o.targetPID != 0:
		return modeJoinPID
	case podRef:
		return modeJoinPod
	}
	return modeJoinTask
}

// takesTarget says whether the first word after the flags is the target:
// not for the modes that take no target (their words are a COMMAND, or
// refused), nor with -t PID (the words are the command).
func (o *options) takesTarget() bool {
	return o.targetPID == 0 && !o.list && !o.version && !o.all && !o.complete && o.completion == ""
}
