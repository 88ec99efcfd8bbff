package main

import (
	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/runtime"
)

// join runs one join: package plan finds the target, opens it and hands
// over to the constructor; it returns only on failure.
func join(o *options) error {
	if len(o.specs) > 0 {
		return misordered(o, forwardJoin(o)) // nsj -L 8080:127.0.0.1:80 web
	}
	return misordered(o, plan.Join(o.ask())) // nsj ps -ef web
}

// ask is the join that o asks for, as package plan takes it.
func (o *options) ask() *plan.Ask {
	a := &plan.Ask{
		PID: o.targetPID, Pod: o.pod, Sandbox: o.sandbox, Task: o.target,
		Containerd: o.containerd(), Connect: runtime.Open,
		Types: o.ns, PreserveCreds: o.preserveCreds,
		Command: o.command, Env: o.env, Dir: o.dir, Sysfs: o.sysfs,
		FS: o.fs, RootAt: o.rootAt, Privileged: o.privileged, Debug: o.debug,
	}
	if o.pod != nil {
		a.Containerd = a.Containerd.ForPods()
	}
	return a
}
