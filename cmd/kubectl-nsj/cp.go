package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/nsj-dev/nsj/internal/kubeplugin"
	"github.com/spf13/pflag"
	utilexec "k8s.io/client-go/util/exec"
)

// cpOptions are the command line of kubectl nsj cp.
type cpOptions struct {
	namespace, kubeconfig, context, agentNamespace string
	debug, help                                    bool
	from, to                                       cpPath
}

// cpPath is POD[/CONTAINER]:PATH (pod set) or a local path.
type cpPath struct {
	pod, container, path string
}

const cpUsage = `kubectl nsj cp copies files and directories between the operator's machine
and a pod's container, with nothing needed in the container's image (no tar).

Usage:
  kubectl nsj cp [-n NAMESPACE] POD[/CONTAINER]:PATH DEST
  kubectl nsj cp [-n NAMESPACE] SRC POD[/CONTAINER]:PATH

The nsj-agent on the pod's node runs nsj cp, which resolves PATH inside the
container's root and writes files as the container's user with its umask
(docs/copy.md); the files travel as a tar stream over the exec. Here, a
stream from the pod is unpacked inside DEST only: names that are absolute
or climb with "..", and paths through a symbolic link, are refused. DEST
(or PATH) that is a directory receives the copy; otherwise the copy takes
its name. A local path that holds ":" is written with a leading ./ or /.

Flags:
`

const cpExamples = `
Examples:
  kubectl nsj cp web:/etc/nginx/nginx.conf .        # a file out
  kubectl nsj cp -n shop cart/app:/var/log logs     # a directory out, as logs
  kubectl nsj cp ./conf web:/tmp/                   # a directory in, as /tmp/conf

Exit status: 0, or 125 with one line on stderr.
`

func newCpFlagSet(o *cpOptions) *pflag.FlagSet {
	fs := pflag.NewFlagSet("kubectl-nsj cp", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVarP(&o.namespace, "namespace", "n", "", "the pod's `NAMESPACE` (default: the kubeconfig context's, else \"default\")")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig `FILE` (default $KUBECONFIG, else ~/.kube/config)")
	fs.StringVar(&o.context, "context", "", "kubeconfig `CONTEXT` to use (default: the current context)")
	fs.StringVar(&o.agentNamespace, "agent-namespace", kubeplugin.AgentNamespace, "`NAMESPACE` of the nsj-agent DaemonSet")
	fs.BoolVar(&o.debug, "debug", false, "print the pod's node, container ID and agent pod on stderr, and nsj's steps")
	fs.BoolVarP(&o.help, "help", "h", false, "print this help")
	return fs
}

// parseCp reads kubectl nsj cp's arguments (those after "cp").
func parseCp(args []string) (*cpOptions, error) {
	o := &cpOptions{}
	fs := newCpFlagSet(o)
	if err := fs.Parse(args); err != nil {
		return nil, kubeplugin.Errorf("%v; see kubectl nsj cp --help", err)
	}
	if o.help {
		return o, nil
	}
	pos := fs.Args()
	if len(pos) != 2 {
		return nil, kubeplugin.Errorf("kubectl nsj cp takes a source and a destination, one of them POD[/CONTAINER]:PATH (got %d); see kubectl nsj cp --help", len(pos))
	}
	o.from, o.to = parseCpPath(pos[0]), parseCpPath(pos[1])
	switch {
	case o.from.pod != "" && o.to.pod != "":
		return nil, kubeplugin.Errorf("kubectl nsj cp copies between this machine and one pod; both %s and %s name a pod", pos[0], pos[1])
	case o.from.pod == "" && o.to.pod == "":
		return nil, kubeplugin.Errorf("kubectl nsj cp needs POD[/CONTAINER]:PATH on one side (write ./%s for a local path with a colon)", pos[0])
	}
	for _, p := range []cpPath{o.from, o.to} {
		if p.pod != "" && !strings.HasPrefix(p.path, "/") {
			return nil, kubeplugin.Errorf("%s:%s: give an absolute path in the container", p.pod, p.path)
		}
		if p.pod == "" && (p.path == "" || p.path == "-") {
			return nil, kubeplugin.Errorf("kubectl nsj cp: %q: name a local file or directory", p.path)
		}
	}
	return o, nil
}

func parseCpPath(s string) cpPath {
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") {
		return cpPath{path: s}
	}
	ref, p, ok := strings.Cut(s, ":")
	if !ok {
		return cpPath{path: s}
	}
	pod, container, _ := strings.Cut(ref, "/")
	return cpPath{pod: pod, container: container, path: p}
}

// copyCmd is kubectl nsj cp with the process's stdio.
func copyCmd(args []string) int {
	o, err := parseCp(args)
	if err == nil && o.help {
		fs := newCpFlagSet(&cpOptions{})
		fmt.Print(cpUsage + fs.FlagUsagesWrapped(80) + cpExamples)
		return 0
	}
	if err == nil {
		err = runCopy(o)
	}
	return report(os.Stderr, err)
}

// runCopy finds the pod's container and the agent on its node, then runs
// nsj cp there with a tar stream over the exec, unpacked or packed here.
func runCopy(o *cpOptions) error {
	remote := o.from
	if o.to.pod != "" {
		remote = o.to
	}
	l, err := kubeplugin.Locate(o.kubeconfig, o.context, o.namespace, remote.pod, remote.container, o.agentNamespace)
	if err != nil {
		return err
	}
	cfg, cs, t, agent := l.Config, l.Client, l.Target, l.Agent
	warn := func(s string) { fmt.Fprintf(os.Stderr, "kubectl-nsj: warning: %s\n", s) }
	s := kubeplugin.Streams{Out: os.Stdout, ErrOut: os.Stderr}
	var argv []string
	var local func() error // the half of the copy done here
	pr, pw := io.Pipe()
	if o.from.pod != "" {
		argv, s.Out = kubeplugin.CopyOutArgs(t, o.from.path, o.debug), pw
		local = func() error {
			err := kubeplugin.Unpack(pr, o.to.path, warn)
			pr.CloseWithError(err)
			io.Copy(io.Discard, pr)
			return err
		}
	} else {
		argv, s.In = kubeplugin.CopyInArgs(t, o.to.path, o.debug), pr
		local = func() error { err := kubeplugin.Pack(pw, o.from.path, warn); pw.CloseWithError(err); return err }
	}
	if o.debug {
		fmt.Fprintf(os.Stderr, "kubectl-nsj: %s: node %s, containerd ID %s; running %q in pod %s/%s\n",
			t, t.Node, t.ContainerID, argv, agent.Namespace, agent.Name)
	}
	ex, err := kubeplugin.NewExecutor(cfg, kubeplugin.ExecURL(cs, agent, argv, s))
	if err != nil {
		return kubeplugin.Errorf("preparing the exec in pod %s/%s: %w", agent.Namespace, agent.Name, err)
	}
	done := make(chan error, 1)
	go func() { done <- local() }()
	sctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	err = kubeplugin.Stream(sctx, ex, agent, s)
	pw.Close()
	if o.to.pod != "" {
		pr.Close() // the pack ends if the exec did first
	}
	lerr := <-done
	if err != nil && (errors.As(err, new(utilexec.ExitError)) || lerr == nil) {
		return err // nsj in the agent said what went wrong, or the exec failed
	}
	return lerr
}
