package main

import (
	"github.com/nsj-dev/nsj/internal/capture"
	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/runtime"
)

// targets chooses the containers nsj capture captures from, as nsj --all
// chooses them (--all) or as nsj TASK and nsj pod/NAME find one (words),
// and the joiner that starts tcpdump in each (plan.Each, --ns net); done
// releases both.
func (o *captureOptions) targets() ([]capture.Target, capture.Starter, func(), error) {
	if err := plan.RequireAdmin(); err != nil {
		return nil, nil, nil, err
	}
	if err := plan.ResolveCommand([]string{"tcpdump"}, nil); err != nil {
		return nil, nil, nil, err
	}
	var (
		c       *runtime.Client
		targets []capture.Target
		dones   []func()
	)
	done := func() {
		for _, d := range dones {
			d()
		}
	}
	if o.all {
		cl, tasks, d, err := matchingTasks(&o.options)
		if err != nil {
			return nil, nil, nil, err
		}
		c, dones = cl, append(dones, d)
		names := taskNames(tasks, everyNamespace(&o.options, c))
		for i := range tasks {
			targets = append(targets, capture.Target{Task: &tasks[i], Name: names[i]})
		}
	} else {
		for _, w := range o.words {
			t, cl, d, err := o.find(w)
			if err != nil {
				done()
				return nil, nil, nil, err
			}
			dones = append(dones, d)
			if c == nil {
				c = cl
			}
			targets = append(targets, capture.Target{Task: t, Name: runtime.ShownName(t, false)})
		}
	}
	ask := &plan.Ask{Containerd: o.containerd(), Connect: runtime.Open, Types: []string{"net"}, Command: []string{"tcpdump"}}
	each, err := plan.NewEach(ask, c)
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	return targets, each, func() { each.Close(); done() }, nil
}

// find finds the task that one word names: a task, as nsj TASK finds it,
// or a pod's container, as nsj pod/NAME[/CONTAINER] does.
func (o *captureOptions) find(word string) (*runtime.Target, *runtime.Client, func(), error) {
	opts := o.containerd()
	if !runtime.IsPodRef(word) {
		ctx, c, done, err := runtime.Open(opts)
		if err != nil {
			return nil, nil, nil, err
		}
		t, err := c.Find(ctx, word)
		if err != nil {
			done()
			return nil, nil, nil, err
		}
		return t, c, done, nil
	}
	ref, err := runtime.ParsePodRef(word, o.podNamespace)
	if err != nil {
		return nil, nil, nil, usageErrorf("capture: %v", err)
	}
	ctx, c, done, err := runtime.Open(opts.ForPods())
	if err != nil {
		return nil, nil, nil, err
	}
	pt, err := c.FindPod(ctx, ref, false)
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	return pt.Target, c, done, nil
}
