package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nsj-dev/nsj/internal/fscopy"
	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/runtime"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

// cpOptions are the command line of nsj cp.
type cpOptions struct {
	address, namespace, podNamespace string
	timeout                          time.Duration
	follow, debug, help              bool
}

const cpUsage = `Usage: nsj cp [FLAGS] TASK:PATH DEST|-
       nsj cp [FLAGS] SRC|- TASK:PATH

Copy files and directories between the host and a running container, without
tar or anything else in the image and without following the container's
symbolic links out of its root: every PATH is resolved inside the container's
root (openat2 RESOLVE_IN_ROOT), files are written under a temporary name and
renamed into place, owned by the container's user (its OCI spec's
process.user, numeric) and masked by its umask. A container whose task
does not run (created, stopped, or none) is copied out of, never into,
from its containerd snapshot, mounted detached and read-only. Directories
are copied recursively. "-" is a tar stream: on stdout when copying out, on stdin when
copying in (into TASK:PATH if it is a directory, else its one top-level
entry becomes TASK:PATH). TASK is any word
nsj takes: an ID or a unique prefix, NAMESPACE/ID, a Docker or nerdctl name,
pod/NAME[/CONTAINER], k8s://NAMESPACE/NAME[/CONTAINER]. A local path that
holds ":" is written with a leading ./ or /. See docs/copy.md.

Flags:
%s
Examples:
  nsj cp web:/etc/nginx/nginx.conf .           # a file out, into the current directory
  nsj cp ./nginx.conf web:/etc/nginx/          # a file in
  nsj cp web:/var/log logs                     # a directory out, as logs/
  nsj cp web:/etc - | tar t                    # a directory out, as a tar stream
  tar c conf | nsj cp - web:/tmp               # a tar stream in
  nsj cp -n k8s.io pod/web-7d9f/nginx:/tmp/dump .   # a pod's container

Exit status: 0, or 125 when nsj fails (one line on stderr).
`

func newCpFlagSet(o *cpOptions) *pflag.FlagSet {
	fs := pflag.NewFlagSet("nsj cp", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVarP(&o.address, "address", "a", "", "containerd `SOCKET` (default $CONTAINERD_ADDRESS, else every one of the usual sockets that exists)")
	fs.StringVarP(&o.namespace, "namespace", "n", "", "containerd `NAMESPACE` (default $CONTAINERD_NAMESPACE, else \"default\")")
	fs.StringVar(&o.podNamespace, "pod-namespace", "", "with pod/NAME: the pod's `NAMESPACE` (default \"default\")")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "give up on containerd after `DURATION`")
	fs.BoolVarP(&o.follow, "follow-link", "L", false, "copy what a symbolic link at the source path points to (resolved inside the container's root), not the link")
	fs.BoolVar(&o.debug, "debug", false, "log what nsj does on stderr")
	fs.BoolVarP(&o.help, "help", "h", false, "show this help")
	return fs
}

// cp runs nsj cp with args (those after "cp").
func cp(args []string) error {
	o := &cpOptions{}
	fs := newCpFlagSet(o)
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v; see nsj cp --help", err)
	}
	if o.help {
		fmt.Printf(cpUsage, fs.FlagUsages())
		return nil
	}
	if err := setupLogging(&options{debug: o.debug, logLevel: "warn"}); err != nil {
		return err
	}
	if o.timeout <= 0 {
		return usageErrorf("--timeout %s: give containerd a positive time, such as 5s", o.timeout)
	}
	rest := fs.Args()
	if len(rest) != 2 {
		return usageErrorf("nsj cp takes a source and a destination, one of them TASK:PATH (got %d arguments); see nsj cp --help", len(rest))
	}
	from, to := parseCpArg(rest[0]), parseCpArg(rest[1])
	if err := checkCpArgs(from, to); err != nil {
		return err
	}
	remote := from
	if to.task != "" {
		remote = to
	}
	return copyWith(o, remote, from, to)
}

// cpArg is one of nsj cp's paths: TASK:PATH, a host path or "-".
type cpArg struct {
	task, path string
}

// parseCpArg reads TASK:PATH (k8s://... keeps its own colon); a path that
// begins with / or . is a host path, whatever it holds.
func parseCpArg(s string) cpArg {
	if s == fscopy.Stream || strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") {
		return cpArg{path: s}
	}
	skip := 0
	if strings.HasPrefix(s, runtime.K8sPrefix) {
		skip = len(runtime.K8sPrefix)
	}
	i := strings.IndexByte(s[skip:], ':')
	if i < 0 {
		return cpArg{path: s}
	}
	return cpArg{task: s[:skip+i], path: s[skip+i+1:]}
}

func checkCpArgs(from, to cpArg) error {
	switch {
	case from.task != "" && to.task != "":
		return usageErrorf("nsj cp copies between the host and one container: %s:%s and %s:%s are both in containers; copy through a host file or -", from.task, from.path, to.task, to.path)
	case from.task == "" && to.task == "":
		return usageErrorf("nsj cp needs TASK:PATH on one side (%q and %q are both host paths; write ./%s for a host path with a colon)", from.path, to.path, from.path)
	case from.path == fscopy.Stream && to.path == fscopy.Stream:
		return usageErrorf("nsj cp: only one side can be - (a tar stream)")
	}
	for _, a := range []cpArg{from, to} {
		if a.task != "" && !strings.HasPrefix(a.path, "/") {
			return usageErrorf("%s:%s: give an absolute path inside the container, such as %s:/%s", a.task, a.path, a.task, a.path)
		}
		if a.task == "" && a.path == "" {
			return usageErrorf("nsj cp: an empty host path; use . for the current directory")
		}
	}
	return nil
}

// copyWith finds the container of remote, opens its root and copies.
func copyWith(o *cpOptions, remote, from, to cpArg) error {
	a := &plan.Ask{Task: remote.task, Connect: runtime.Open,
		Containerd: runtime.Options{Address: o.address, Namespace: o.namespace, Timeout: o.timeout}}
	if runtime.IsPodRef(remote.task) {
		ref, err := runtime.ParsePodRef(remote.task, o.podNamespace)
		if err != nil {
			return usageErrorf("%w", err)
		}
		a.Pod, a.Task, a.Containerd = &ref, "", a.Containerd.ForPods()
	}
	l, err := plan.Locate(a)
	if errors.Is(err, runtime.ErrNotRunning) && a.Pod == nil {
		return copyStopped(a, err, from, to, o.follow)
	}
	if err != nil {
		return err
	}
	defer l.Close()
	root, err := l.Process.OpenRoot()
	if err != nil {
		return fmt.Errorf("%s: %w", l.Name, err)
	}
	defer unix.Close(root)
	owner, err := fscopy.OwnerOf(l.Spec, l.Process)
	if err != nil {
		return fmt.Errorf("%s: %w", l.Name, err)
	}
	ctr, host := fscopy.Container(l.Name, root, owner), fscopy.Host()
	r := fscopy.Request{FromPath: from.path, ToPath: to.path, Follow: o.follow, Stdin: os.Stdin, Stdout: os.Stdout}
	r.From, r.To = host, ctr
	if from.task != "" {
		r.From, r.To = ctr, host
	}
	return fscopy.Copy(r)
}
