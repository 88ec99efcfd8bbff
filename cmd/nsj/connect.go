package main

import (
	"context"

	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/runtime"
)

// connect opens the containerd connection for -a/-n/--timeout; the returned
// context bounds the whole lookup.
func connect(o *options) (context.Context, *runtime.Client, func(), error) {
	return plan.Connect(o.containerd())
}

// containerd is where -a, -n and --timeout say to look.
func (o *options) containerd() runtime.Options {
	return runtime.Options{Address: o.address, Namespace: o.namespace, Timeout: o.timeout}
}

// podConnection is o with the containerd namespace of pods: -n, else k8s.io.
func podConnection(o *options) *options {
	po := *o
	if po.namespace == "" {
		po.namespace = runtime.KubernetesNamespace
	}
	return &po
}
