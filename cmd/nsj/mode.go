package main

import "github.com/nsj-dev/nsj/runtime"

// mode is what one run of nsj does. It is worked out once, from the parsed
// flags (decideMode), and each mode's flags are then checked by its own
// validator (validate.go) before anything is looked up or opened.
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

// joins reports whether the mode runs a command in one target.
func (m mode) joins() bool { return m == modeJoinTask || m == modeJoinPID || m == modeJoinPod }

// decideMode picks the mode. Where flags of several modes are given, the
// first that applies here wins, and its validator says what to drop: pod
// flags before --all's, --all's before --list, --list before --inspect.
func decideMode(o *options) mode {
	switch {
	case o.help:
		return modeHelp
	case o.version:
		return modeVersion
	case o.completion != "":
		return modeCompletion
	case o.complete:
		return modeComplete
	case o.pods:
		return modeListPods
	case runtime.IsPodRef(o.target) || o.sandbox:
		if o.inspect {
			return modeInspectPod
		}
		return modeJoinPod
	case o.all || o.allOnly():
		return modeAll
	case o.list:
		return modeList
	case o.inspect:
		return modeInspect
	case o.targetPID != 0:
		return modeJoinPID
	}
	return modeJoinTask
}
