package main

import (
	"github.com/nsj-dev/nsj/runtime"
)

// containerd is where -a, -n and --timeout say to look. The command line
// owns these options; runtime.Open connects with them, and package plan
// (Ask.Connect) and package complete are handed runtime.Open.
func (o *options) containerd() runtime.Options {
	return runtime.Options{Address: o.address, Namespace: o.namespace, Timeout: o.timeout}
}
