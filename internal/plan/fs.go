package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/sirupsen/logrus"
)

// The container's filesystem: --root-at DIR attaches the container's root
// in nsj's private host view; --fs container runs a static host binary in
// the container's own mount namespace (docs/distroless.md).

// The views of --fs.
const (
	FSHost      = "host"      // the host's files, in a private copy of its mounts
	FSContainer = "container" // the container's own mount namespace
)

// pinHook runs while the target's PID is pinned, after its namespaces are
// open (openTarget).
type pinHook func(*nsjoin.Process) error

// fsView is what --fs container and --root-at add to a join.
type fsView struct {
	rootAt   string
	exe      *os.File          // --fs container: the host binary, opened before joining
	mountNS  *nsjoin.Namespace // --root-at: the container's mount namespace
	exampleT string            // the target as typed, for hints
	pathSet  bool              // -e PATH: the user's value stays
	sets     []string          // -e, for the command's environment (fsenv.go)
	confine  confinement       // --fs container: the container's privileges (confine.go)
}

// openCommand resolves the command, as resolveCommand does, and with --fs
// container opens its binary and checks that it is static, before anything
// is looked up or joined.
func openCommand(a *Ask) (*command, *fsView, error) {
	v := &fsView{rootAt: a.RootAt, exampleT: a.Task,
		pathSet: setByUser(a.Env, "PATH"), sets: a.Env, confine: confinement{privileged: a.Privileged}}
	if a.PID != 0 {
		v.exampleT = fmt.Sprintf("-t %d", a.PID)
	}
	if a.FS == FSContainer && len(a.Command) == 0 {
		if err := v.defaultCommand(a); err != nil {
			return nil, nil, err
		}
	}
	c, err := resolveCommand(a)
	if err != nil || a.FS != FSContainer {
		return c, v, err
	}
	v.exe, err = nsjoin.OpenStatic(c.path)
	if err != nil {
		return nil, nil, v.staticError(err)
	}
	logrus.Debugf("--fs container: %s is statically linked; it runs in the container's mount namespace", c.path)
	return c, v, nil
}

// noPath is the PATH of --fs container commands unless -e PATH says
// otherwise: the host's PATH would name directories of the container's, so
// a name that is not a busybox applet would run the container's file.
const noPath = "/dev/null"

// defaultCommand: with --fs container, the caller's shell is of no use (it
// needs the host's libraries), so the default is the host's busybox sh,
// which Debian's busybox-static links statically. Its applets run without
// PATH (apply sets it to noPath).
func (v *fsView) defaultCommand(a *Ask) error {
	if _, err := lookPath("busybox", CommandPath(a.Env)); err != nil {
		return &exit.Error{Code: exit.NotFound, Err: errors.New("--fs container without COMMAND runs the host's busybox sh, and the host has no busybox in its PATH; install a static one (Debian: busybox-static), or name a statically linked COMMAND")}
	}
	a.Command = []string{"busybox", "sh"}
	return nil
}

func (v *fsView) staticError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &exit.Error{Code: exit.NotFound, Err: fmt.Errorf("%w; --fs container runs a host binary: name one that exists on the host", err)}
	case errors.Is(err, nsjoin.ErrDynamic), errors.Is(err, nsjoin.ErrScript), errors.Is(err, nsjoin.ErrNotELF):
		return &exit.Error{Code: exit.NotExecutable, Err: fmt.Errorf("%w; --fs container runs host binaries among the container's files, without the host's libraries or interpreters: use a statically linked one, e.g. from Debian's busybox-static: nsj --fs container %s /bin/busybox sh", err, v.exampleT)}
	case errors.Is(err, fs.ErrPermission):
		return &exit.Error{Code: exit.NotExecutable, Err: err}
	}
	return fmt.Errorf("opening the host binary for --fs container: %w", err)
}

// opening is how a target's namespaces are opened: the types, and what
// runs while its PID is pinned, after they are open.
type opening struct {
	sel    nsjoin.Selection
	pinned pinHook
}

// prepare says how to open t for this view: the host view opens what t
// joins; --fs container opens every namespace of t (fsns.go) and reads the
// container's privileges while pinned; --root-at opens the mount namespace
// while pinned, without joining it.
func (v *fsView) prepare(t *target) opening {
	op := opening{sel: t.sel}
	if v.exe != nil {
		op.sel = containerSelection()
		op.pinned = v.confine.prepare(t)
	}
	if v.rootAt != "" {
		op.pinned = v.openMountNS
	}
	return op
}

func (v *fsView) openMountNS(p *nsjoin.Process) error {
	ns, err := p.OpenMountNamespace()
	if err != nil {
		return err
	}
	v.mountNS = ns
	return nil
}

// apply completes the join request; t's namespaces are open.
func (v *fsView) apply(req *nsjoin.JoinRequest, t *target) error {
	switch {
	case v.mountNS != nil:
		req.RootNS, req.RootAt = int(v.mountNS.File.Fd()), v.rootAt
	case v.exe != nil:
		if !slices.ContainsFunc(req.Namespaces, func(n nsjoin.NamespaceFD) bool { return n.Type == "mnt" }) {
			return fmt.Errorf("%s shares nsj's mount namespace: its files are the host's; drop --fs container", t.name)
		}
		if err := checkAllJoined(t.sel, req, t.name); err != nil {
			return err
		}
		req.ContainerFS, req.ExecFD, req.MountProc = true, int(v.exe.Fd()), false
		if err := v.env(req, t); err != nil {
			return err
		}
		return v.confine.apply(req)
	}
	return nil
}

// env gives the command the container's environment (fsenv.go), with
// PATH noPath unless -e PATH.
func (v *fsView) env(req *nsjoin.JoinRequest, t *target) error {
	env, err := containerEnv(t.spec, v.sets)
	if err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	logrus.Debug(describeEnv(t.spec, env))
	req.Env = env
	if !v.pathSet {
		req.Env = setEnv(req.Env, "PATH", noPath, true)
	}
	return nil
}

// close releases the files, where the join did not happen.
func (v *fsView) close() {
	if v.exe != nil {
		v.exe.Close()
	}
	if v.mountNS != nil {
		nsjoin.Close([]*nsjoin.Namespace{v.mountNS})
	}
	v.confine.close()
}
