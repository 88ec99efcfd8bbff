package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/internal/forward"
	"github.com/nsj-dev/nsj/internal/forwardspec"
	"github.com/nsj-dev/nsj/internal/netns"
	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/internal/streammux"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// nsj -L/-R: port forwarding between the host and the target's network
// namespace (docs/forward.md). With a COMMAND, nsj starts the join as a
// child in its own job and forwards until the command exits, with its
// status; without one, it joins nothing and forwards until Ctrl-C or
// SIGTERM.

// errCommandStatus marks the command's own exit status: nsj exits with it
// and prints nothing (main.go).
var errCommandStatus = errors.New("the command's status")

// forwardOnlyFlags are the join flags that shape the command, refused when
// there is none to shape.
var forwardOnlyFlags = []string{"ns", "preserve-credentials", "sysfs", "wd", "fs", "privileged", "root-at", "env"}

// checkForwards reads -L and -R, before anything is opened: each spec, and
// without COMMAND the flags that only a command would use.
func (o *options) checkForwards() error {
	if err := forwardAfterTarget(o); err != nil {
		return err
	}
	for _, g := range []struct {
		dir   forwardspec.Direction
		specs []string
	}{{forwardspec.Local, o.forwards}, {forwardspec.Remote, o.reverses}} {
		for _, text := range g.specs {
			s, err := forwardspec.Parse(g.dir, text)
			if err != nil {
				return usageErrorf("%w", err)
			}
			o.specs = append(o.specs, s)
		}
	}
	if o.reverseStdio && (len(o.reverses) == 0 || len(o.forwards) > 0 || len(o.command) > 0) {
		return usageErrorf("--reverse-stdio carries -R forwards alone, without COMMAND, for kubectl nsj -R")
	}
	if len(o.specs) == 0 || len(o.command) > 0 {
		return nil
	}
	for _, name := range forwardOnlyFlags {
		if label, given := o.given[name]; given {
			return usageErrorf("%s shapes the command, and without COMMAND nsj only forwards: drop %s or give a COMMAND", label, label)
		}
	}
	return nil
}

// forwardJoin runs nsj -L/-R: forward-only without COMMAND, else while it runs.
func forwardJoin(o *options) error {
	a := o.ask()
	a.Network = true
	if len(o.command) == 0 {
		return forwardOnly(a, o.specs, o.reverseStdio)
	}
	return forwardWhile(a, o.specs)
}

// forwardOnly opens the target's network namespace, forwards, and ends
// at SIGINT, SIGTERM or SIGHUP; with stdio (--reverse-stdio, kubectl nsj
// -R), -R connections go over stdin and stdout, and the end of stdin ends
// nsj too.
func forwardOnly(a *plan.Ask, specs []forwardspec.Spec, stdio bool) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP)
	defer signal.Stop(sigs)
	p, err := plan.OpenNetwork(a)
	if err != nil {
		return err
	}
	defer p.Close()
	var remote forward.Dialer
	var ended <-chan struct{}
	if stdio {
		m := streammux.NewOpener(os.Stdin, os.Stdout)
		remote = func(i int) (forward.Conn, error) { return m.Open(uint16(i)) }
		ended = m.Done()
		go m.Run()
	}
	set, err := listen(p, specs, remote)
	if err != nil {
		return err
	}
	defer set.Close()
	set.Serve()
	select {
	case sig := <-sigs:
		logrus.Debugf("forwarding ended by %v", sig)
	case <-ended:
		logrus.Debugf("forwarding ended with stdin")
	}
	return nil
}

// forwardWhile joins as nsj TASK COMMAND does, as a child, with the
// listeners open before the command starts, and forwards until it exits.
// SIGTERM and SIGHUP sent to nsj go to the join, which passes them on to
// the command; a terminal's Ctrl-C reaches the command on its own.
func forwardWhile(a *plan.Ask, specs []forwardspec.Spec) error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGHUP)
	defer signal.Stop(sigs)
	p, err := plan.Prepare(a)
	if err != nil {
		return err
	}
	defer p.Close()
	set, err := listen(p, specs, nil)
	if err != nil {
		return err
	}
	defer set.Close()
	pid, err := plan.StartInJob(p)
	if err != nil {
		return err
	}
	set.Serve()
	done := make(chan int, 1)
	go func() { done <- waitStatus(pid) }()
	for {
		select {
		case code := <-done:
			if code != 0 {
				return &exit.Error{Code: code, Err: errCommandStatus}
			}
			return nil
		case sig := <-sigs:
			if sig == unix.SIGTERM || sig == unix.SIGHUP {
				unix.Kill(pid, sig.(syscall.Signal))
			}
		}
	}
}

// listen opens the forwards in p's network namespace (which p keeps open
// until after the set is closed) and says so, one line each.
func listen(p *plan.Prepared, specs []forwardspec.Spec, remote forward.Dialer) (*forward.Set, error) {
	ns, err := netns.Open(p.Net.File)
	if err != nil {
		return nil, err
	}
	set, err := forward.ListenVia(specs, ns, remote)
	if err != nil {
		return nil, err
	}
	for _, s := range set.Forwards() {
		logrus.Info(announce(s, p.Target, remote != nil))
	}
	return set, nil
}

// announce is the line that tells where a forward listens and dials.
// With viaStdio (kubectl nsj -R), the far side dials, not this host.
func announce(s forwardspec.Spec, target string, viaStdio bool) string {
	if s.Dir == forwardspec.Local {
		return fmt.Sprintf("forwarding %s on the host to %s in %s", s.Listen, s.Dial, target)
	}
	if viaStdio {
		return fmt.Sprintf("forwarding %s in %s to %s on kubectl nsj's machine", s.Listen, target, s.Dial)
	}
	return fmt.Sprintf("forwarding %s in %s to %s on the host", s.Listen, target, s.Dial)
}

// waitStatus waits for the join's process and returns its exit status
// (128+N for signal N).
func waitStatus(pid int) int {
	return exit.Reap(pid)
}
