// Package plan turns one join, as the operator asked for it (an Ask), into
// the join request that the constructor carries out: it finds the target (a
// containerd task, a process, a pod's container or sandbox), chooses the
// namespaces to join, the filesystem view (the host's, --root-at, --fs
// container), the command, its environment and $NSJ_ROOT, opens all of it
// while the target's PID is pinned, and hands over to nsjoin.Exec.
//
// The path of one join: Join → Prepare: findTarget (target.go, pod.go:
// runtime) → openTarget (PID pinned: nsjoin) → command.request →
// fsView.apply → setNSJRoot (root.go); then nsjoin.Exec, whose constructor
// does the rest. Each task of nsj --all goes the same path from a listed
// task (each.go: foundTask → the same prepare), and is started with
// nsjoin.Spawner instead of Exec.
package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Ask is one join as the command line asked for it. The target is a
// process (PID), else a pod's container or sandbox (Pod), else a
// containerd task (Task).
type Ask struct {
	PID     int             // -t PID
	Pod     *runtime.PodRef // pod/NAME[/CONTAINER], k8s://...
	Sandbox bool            // --sandbox: the pod's sandbox
	Task    string          // a task ID or a unique prefix of one

	// Containerd is where tasks and pods are looked up (-a, -n, --timeout;
	// for a pod, runtime.Options.ForPods), and Connect how: the command
	// line's connection (cmd/nsj/connect.go), which bounds the lookup.
	Containerd runtime.Options
	Connect    func(runtime.Options) (context.Context, *runtime.Client, func(), error)

	Types         []string // --ns as typed; nil: what the target has of the default types
	PreserveCreds bool     // --preserve-credentials
	Command       []string // COMMAND [ARG...]; empty: the caller's shell
	Env           []string // -e KEY=VALUE and KEY
	Dir           string   // -w
	Sysfs         bool     // --sysfs
	FS            string   // --fs: FSHost or FSContainer
	RootAt        string   // --root-at DIR, absolute
	Privileged    bool     // --privileged, with --fs container
	Debug         bool     // --debug: the constructor logs its steps too
	Network       bool     // -L/-R: also open the target's network namespace, joined or not (Prepared.Net; net.go)
}

// target is what joining needs to know of a target, however it was named:
// findTarget builds it (target.go, pod.go), and nothing changes it after.
type target struct {
	name      string            // for messages: "PID 42", "task default/web"
	pid       int               //
	sel       nsjoin.Selection  // the namespace types to join
	specPaths map[string]string // type -> path the OCI spec gives, if any
	recheck   func() error      // after the namespaces are open: is it still the same target?
	done      func()            // releases what finding it took (a containerd connection)
	files     map[string]string // type -> namespace file joined instead of /proc/PID/ns (a pod's netns; paths.go)
	root      string            // $NSJ_ROOT when not /proc/1/root (a pod sharing its pid namespace; pod.go)
	spec      *specs.Spec       // the container's OCI spec; nil for -t PID (--fs container; confine.go)
	paused    bool              // the task is paused (frozen)
	resume    string            // the command that resumes it, in its owner's tool
}

// Join finds the target, opens its namespaces and hands over to the
// constructor; it returns only on failure.
func Join(a *Ask) error {
	p, err := Prepare(a)
	if err != nil {
		return err
	}
	defer p.Close()
	stopAt("exec")
	if err := nsjoin.Exec(p.Request); err != nil {
		return fmt.Errorf("joining %s: %w", p.Target, err)
	}
	return nil
}

// Prepared is a join made ready: the request, with the files it names
// open until Close.
type Prepared struct {
	Request *nsjoin.JoinRequest
	Target  string            // for messages: "task default/web", "PID 42"
	Net     *nsjoin.Namespace // with Ask.Network: the target's network namespace (net.go)
	release []func()
}

// Close releases the files and the containerd connection of the join.
func (p *Prepared) Close() {
	for i := len(p.release) - 1; i >= 0; i-- {
		p.release[i]()
	}
	p.release = nil
}

// Prepare does all of a join but the hand-over: it resolves the command,
// finds the target, opens its namespaces while its PID is pinned and
// builds the request.
func Prepare(a *Ask) (*Prepared, error) {
	if err := RequireAdmin(); err != nil {
		return nil, err
	}
	sel, err := parseNamespaceTypes(a.Types)
	if err != nil {
		return nil, err
	}
	return prepare(a, func() (*target, error) { return findTarget(a, sel) })
}

// prepare is Prepare once the namespace types are known: find finds the
// target (findTarget; for nsj --all, a listed task: each.go).
func prepare(a *Ask, find func() (*target, error)) (*Prepared, error) {
	cmd, fsv, err := openCommand(a)
	if err != nil {
		return nil, err
	}
	p := &Prepared{release: []func(){fsv.close}}
	t, err := find()
	if err != nil {
		p.Close()
		return nil, err
	}
	p.Target, p.release = t.name, append(p.release, t.done)
	op := fsv.prepare(t)
	if a.Network {
		op = withNetwork(op, t, &p.Net)
		p.release = append(p.release, p.closeNet)
	}
	stopAt("lookup")
	nss, err := openTarget(t, op)
	if err != nil {
		p.Close()
		return nil, err
	}
	p.release = append(p.release, func() { nsjoin.Close(nss) })
	if err := checkSysfs(a, t, nss); err != nil {
		p.Close()
		return nil, err
	}
	req := cmd.request(a, nss)
	keepCreds(a, req)
	if err := fsv.apply(req, t); err != nil {
		p.Close()
		return nil, err
	}
	setNSJRoot(req, setByUser(a.Env, "NSJ_ROOT"), t.root)
	p.Request = req
	return p, nil
}

// openTarget pins the target's PID and opens its namespaces as op says.
func openTarget(t *target, op opening) ([]*nsjoin.Namespace, error) {
	p, err := nsjoin.PinProcess(t.pid)
	if errors.Is(err, nsjoin.ErrNoProcess) {
		return nil, t.gone(fmt.Errorf("no process with PID %d; see ps -e, or name a container task instead", t.pid))
	}
	if err != nil {
		return nil, err
	}
	defer p.Close()
	stopAt("pinned")
	nss, err := p.OpenNamespaces(op.sel)
	if err == nil && op.pinned != nil {
		if err = op.pinned(p); err != nil {
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
			return sel, exit.Errorf(exit.Failure, "--ns mnt: nsj runs host binaries in a private copy of the host's mounts, and the container's files are at /proc/1/root; to join the container's mount namespace use --fs container (static binaries only)")
		case n == "network":
			n = "net"
		case !slices.Contains(nsjoin.Types, n):
			return sel, exit.Errorf(exit.Failure, "--ns %q: unknown namespace type; use net, pid, uts, ipc, cgroup, time or user", n)
		}
		if !slices.Contains(sel.Types, n) {
			sel.Types = append(sel.Types, n)
		}
	}
	return sel, nil
}

// RequireAdmin fails early, before anything is looked up or opened, when
// nsj lacks CAP_SYS_ADMIN, which setns(2) needs.
func RequireAdmin() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("reading nsj's capabilities: %w", err)
	}
	if data[0].Effective&(1<<unix.CAP_SYS_ADMIN) == 0 {
		return &exit.Error{Code: exit.Failure, Err: errors.New("joining namespaces needs root (CAP_SYS_ADMIN); run nsj as root, e.g. with sudo")}
	}
	return nil
}
