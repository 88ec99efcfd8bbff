package harness

import (
	"fmt"

	"github.com/containerd/containerd/v2/pkg/cio"
)

// A containerd for a person rather than a test (make playground, package
// cmd/nsj-playground): started without a test and, with Detached set,
// left running; a later program finds it again with AttachContainerd and
// removes it, with everything it ran, with Stop.

// NewContainerd starts a containerd as StartContainerd does, without a
// test: in a new directory under /tmp, waiting until it answers. On an
// error, what it started is stopped.
func NewContainerd() (*Containerd, error) { return newContainerd() }

// StartTask is RunTask without a test: it creates container id in namespace
// ns (WithRootfs names its root filesystem, which is required here) and
// starts its task with no I/O. Stop removes it.
func (c *Containerd) StartTask(ns, id string, opts ...TaskOpt) (*Task, error) {
	cfg := taskConfig{args: []string{"sleep", "100000"}}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.rootfs == "" {
		return nil, fmt.Errorf("container %s/%s: no root filesystem (WithRootfs)", ns, id)
	}
	ctx, cancel := TaskContext(ns)
	defer cancel()
	c.mu.Lock()
	c.containers = append(c.containers, ns+"/"+id)
	c.mu.Unlock()
	ctr, err := c.Client.NewContainer(ctx, id, c.containerOpts(ns, id, cfg)...)
	if err != nil {
		return nil, fmt.Errorf("create container %s/%s: %w", ns, id, err)
	}
	tk, err := ctr.NewTask(ctx, cio.NullIO)
	if err != nil {
		return nil, fmt.Errorf("create task %s/%s: %w", ns, id, err)
	}
	if err := tk.Start(ctx); err != nil {
		return nil, fmt.Errorf("start task %s/%s: %w", ns, id, err)
	}
	return &Task{ID: id, Namespace: ns, PID: tk.Pid()}, nil
}
