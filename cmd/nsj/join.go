package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/nsjoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// target is what joining needs to know of a target, however it was named.
type target struct {
	name      string            // for messages: "PID 42", "task default/web"
	pid       int               //
	sel       nsjoin.Selection  // the namespace types to join
	specPaths map[string]string // type -> path the OCI spec gives, if any
	recheck   func() error      // after the namespaces are open: is it still the same target?
	done      func()            // releases what finding it took (a containerd connection)
	files     map[string]string // type -> namespace file joined instead of /proc/PID/ns (a pod's netns; paths.go)
	root      string            // $NSJ_ROOT when not /proc/1/root (a pod sharing its pid namespace; pod.go)
	pinned    pinHook           // after the namespaces are open, while the PID is pinned (--root-at, --fs container; fs.go)
	spec      *specs.Spec       // the container's OCI spec; nil for -t PID (--fs container; confine.go)
	paused    bool              // the task is paused (frozen)
}

// join finds the target, opens its namespaces and hands over to the
// constructor; it returns only on failure.
func join(o *options) error {
	if err := requireAdmin(); err != nil {
		return err
	}
	sel, err := parseNamespaceTypes(o.ns)
	if err != nil {
		return err
	}
	cmd, fsv, err := openCommand(o)
	if err != nil {
		return err
	}
	defer fsv.close()
	t, err := findTarget(o, sel)
	if err != nil {
		return err
	}
	defer t.done()
	stopAt("lookup")
	req, release, err := joinRequest(o, cmd, fsv, t)
	if err != nil {
		return err
	}
	defer release()
	stopAt("exec")
	if err := nsjoin.Exec(req); err != nil {
		return fmt.Errorf("joining %s: %w", t.name, err)
	}
	return nil
}

// joinRequest opens the target's namespaces (and, with --fs or --root-at,
// what the filesystem view needs) and builds the request for the
// constructor; release closes the namespaces once it ran. A single join
// and each task of nsj --all go through it.
func joinRequest(o *options, cmd *command, fsv *fsView, t *target) (*nsjoin.JoinRequest, func(), error) {
	fsv.prepare(t)
	nss, err := openTarget(t)
	if err != nil {
		return nil, nil, err
	}
	req := cmd.request(o, nss)
	keepCreds(o, req)
	setRoot(req, cmd, t.root)
	if err := fsv.apply(req, t); err != nil {
		nsjoin.Close(nss)
		return nil, nil, err
	}
	return req, func() { nsjoin.Close(nss) }, nil
}

// openTarget pins the target's PID and opens the namespaces to join.
func openTarget(t *target) ([]*nsjoin.Namespace, error) {
	p, err := nsjoin.PinProcess(t.pid)
	if errors.Is(err, nsjoin.ErrNoProcess) {
		return nil, t.gone(fmt.Errorf("no process with PID %d; see ps -e, or name a container task instead", t.pid))
	}
	if err != nil {
		return nil, err
	}
	defer p.Close()
	stopAt("pinned")
	nss, err := p.OpenNamespaces(t.sel)
	if err == nil && t.pinned != nil {
		if err = t.pinned(p); err != nil {
			nsjoin.Close(nss)
		}
	}
	if errors.Is(err, nsjoin.ErrTargetExited) {
		return nil, t.gone(fmt.Errorf("%s exited while nsj was joining it", t.name))
	}
	if err != nil {
		return nil, err
	}
	if nss, err = openFiles(nss, t.files); err != nil {
		nsjoin.Close(nss)
		return nil, err
	}
	checkSpecPaths(nss, t.specPaths)
	if t.recheck != nil {
		if err := t.recheck(); err != nil {
			nsjoin.Close(nss)
			return nil, err
		}
	}
	if len(nss) == 0 {
		logrus.Warnf("%s shares every namespace nsj would join with nsj itself; the command runs as on the host", t.name)
	}
	return nss, nil
}

// gone explains a target process that vanished: for a task, containerd
// says whether it exited or restarted (recheck); for a PID, err does.
func (t *target) gone(err error) error {
	if t.recheck != nil {
		if rerr := t.recheck(); rerr != nil {
			return rerr
		}
	}
	return err
}

// checkSpecPaths compares each namespace the OCI spec names by path (a pod's
// /var/run/netns/cni-... file, a sandbox's /proc/PID/ns/ipc) with the task's
// own: a mismatch is reported and the task's namespace is used.
func checkSpecPaths(nss []*nsjoin.Namespace, paths map[string]string) {
	for _, ns := range nss {
		path := paths[ns.Type]
		if path == "" {
			continue
		}
		spec, err := nsjoin.OpenNamespace(ns.Type, path)
		if err != nil {
			logrus.Warnf("the container's spec names %s for its %s namespace, which nsj cannot open (%v); joining the task's own", path, ns.Type, err)
			continue
		}
		spec.File.Close()
		if !spec.Same(ns) {
			logrus.Warnf("the container's spec names %s for its %s namespace (inode %d), but its task is in inode %d; joining the task's", path, ns.Type, spec.Inode, ns.Inode)
			continue
		}
		logrus.Debugf("namespace %s: the spec's %s is the task's (inode %d)", ns.Type, path, ns.Inode)
	}
}

// parseNamespaceTypes reads --ns.
func parseNamespaceTypes(names []string) (nsjoin.Selection, error) {
	if len(names) == 0 {
		return nsjoin.Selection{}, nil
	}
	sel := nsjoin.Selection{Explicit: true}
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch {
		case n == "mnt" || n == "mount":
			return sel, usageErrorf("--ns mnt: nsj runs host binaries in a private copy of the host's mounts, and the container's files are at /proc/1/root; to join the container's mount namespace use --fs container (static binaries only)")
		case n == "network":
			n = "net"
		case !slices.Contains(nsjoin.Types, n):
			return sel, usageErrorf("--ns %q: unknown namespace type; use net, pid, uts, ipc, cgroup, time or user", n)
		}
		if !slices.Contains(sel.Types, n) {
			sel.Types = append(sel.Types, n)
		}
	}
	return sel, nil
}

// requireAdmin fails early, before anything is looked up or opened, when
// nsj lacks CAP_SYS_ADMIN, which setns(2) needs.
func requireAdmin() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("reading nsj's capabilities: %w", err)
	}
	if data[0].Effective&(1<<unix.CAP_SYS_ADMIN) == 0 {
		return &exitError{exitFailure, errors.New("joining namespaces needs root (CAP_SYS_ADMIN); run nsj as root, e.g. with sudo")}
	}
	return nil
}

// pidTarget is a process named with --target-pid; it is judged for risks
// as a task is, before anything of it is opened.
func pidTarget(o *options, sel nsjoin.Selection) *target {
	name := fmt.Sprintf("PID %d", o.targetPID)
	warnRiskyPID(name, o.targetPID, o)
	return &target{name: name, pid: o.targetPID, sel: sel, done: func() {}}
}

func findTarget(o *options, sel nsjoin.Selection) (*target, error) {
	if o.targetPID != 0 {
		return pidTarget(o, sel), nil
	}
	if o.pod != nil {
		return podTarget(o, sel)
	}
	return taskTarget(o, sel)
}
