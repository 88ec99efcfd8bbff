package main

import (
	"context"

	"github.com/nsj-dev/nsj/runtime"
)

// connect opens the containerd connection of one run (-a, -n, --timeout):
// the returned context bounds the whole lookup, done releases both. The
// command line owns it; package plan (Ask.Connect) and package complete are
// handed it.
func connect(opts runtime.Options) (context.Context, *runtime.Client, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
	c, err := runtime.Connect(ctx, opts)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return ctx, c, func() { c.Close(); cancel() }, nil
}

// containerd is where -a, -n and --timeout say to look.
func (o *options) containerd() runtime.Options {
	return runtime.Options{Address: o.address, Namespace: o.namespace, Timeout: o.timeout}
}
