package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/nsj-dev/nsj/internal/kubeplugin"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	utilexec "k8s.io/client-go/util/exec"
)

// plugin is kubectl-nsj: it runs with the process's stdio and returns the
// exit status. version is printed by --version.
func plugin(args []string, version string) int {
	if len(args) > 0 && args[0] == "cp" {
		return copyCmd(args[1:])
	}
	if len(args) > 0 && args[0] == "capture" { // kubectl nsj capture (capture.go)
		return capturePlugin(args[1:])
	}
	o, err := ParseArgs(args)
	switch {
	case err != nil:
	case o.Help:
		PrintUsage(os.Stdout)
		return 0
	case o.Version:
		fmt.Printf("kubectl-nsj %s (%s)\n", version, runtime.Version())
		return 0
	case o.Selector != "":
		code, err := runFanOut(o)
		if err != nil {
			return report(os.Stderr, err)
		}
		return code
	default:
		err = run(o)
	}
	return report(os.Stderr, err)
}

// report prints a failure of the plugin's own as one line on w and returns
// the exit status. The command's own exit status is passed on silently: the
// command (or nsj) has said what went wrong.
func report(w io.Writer, err error) int {
	var exit utilexec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintf(w, "kubectl-nsj: %s\n", strings.Join(strings.Fields(err.Error()), " "))
	}
	return kubeplugin.ExitCode(err)
}

// run resolves the pod's container and the agent on its node, then runs
// nsj there.
func run(o *Options) error {
	l, err := kubeplugin.Locate(o.Kubeconfig, o.Context, o.Namespace, o.Pod, o.Container, o.AgentNamespace)
	if err != nil {
		return err
	}
	cfg, cs, t, agent := l.Config, l.Client, l.Target, l.Agent
	if len(o.Specs) > 0 {
		return runReverse(o, cfg, cs, t, agent)
	}
	argv := kubeplugin.NsjArgs(t, o.Command, o.Debug)
	if o.Debug {
		fmt.Fprintf(os.Stderr, "kubectl-nsj: %s: node %s, containerd ID %s; running %q in pod %s/%s\n",
			t, t.Node, t.ContainerID, argv, agent.Namespace, agent.Name)
	}
	s, restore, err := streams(o)
	if err != nil {
		return err
	}
	defer restore()
	ex, err := kubeplugin.NewExecutor(cfg, kubeplugin.ExecURL(cs, agent, argv, s))
	if err != nil {
		return kubeplugin.Errorf("preparing the exec in pod %s/%s: %w", agent.Namespace, agent.Name, err)
	}
	sctx, stop := signal.NotifyContext(context.Background(), stopSignals(s.Sizes != nil)...)
	defer stop()
	return kubeplugin.Stream(sctx, ex, agent, s)
}

// stopSignals are the signals that end the exec, so that the terminal is
// restored (deferred in run) before the plugin exits: TERM and HUP, and
// with the terminal raw also INT, which then comes from kill only (^C is a
// key sent to the command).
func stopSignals(raw bool) []os.Signal {
	sigs := []os.Signal{syscall.SIGTERM, syscall.SIGHUP}
	if raw {
		sigs = append(sigs, syscall.SIGINT)
	}
	return sigs
}

// streams sets up stdio for -i/-t. With both, the local terminal is raw
// until restore, so that ^C and the like reach the remote command; -t alone
// gives it a terminal but leaves the local one as it is.
func streams(o *Options) (kubeplugin.Streams, func(), error) {
	stdin, tty, warning := o.Interactive(kubeplugin.IsTerminal(os.Stdin), kubeplugin.IsTerminal(os.Stdout))
	if warning != "" {
		fmt.Fprintf(os.Stderr, "kubectl-nsj: warning: %s\n", warning)
	}
	s := kubeplugin.Streams{Out: os.Stdout, ErrOut: os.Stderr, TTY: tty}
	if stdin {
		s.In = os.Stdin
	}
	if !tty || !stdin {
		return s, func() {}, nil
	}
	sizes, restore, err := kubeplugin.RawTerminal(os.Stdin, os.Stdout)
	if err != nil {
		return s, nil, err
	}
	s.Sizes = sizes
	return s, restore, nil
}

// runFanOut is kubectl nsj -l: o as a kubeplugin.FanOut, run through the
// kubeconfig's API server.
func runFanOut(o *Options) (int, error) {
	cfg, ns, err := kubeplugin.LoadConfig(o.Kubeconfig, o.Context, o.Namespace)
	if err != nil {
		return 0, err
	}
	if o.AllNamespaces {
		ns = ""
	}
	f := &kubeplugin.FanOut{
		Selector: o.Selector, Namespace: ns, Container: o.Container, AgentNamespace: o.AgentNamespace,
		Jobs: o.Jobs, Output: o.Output, NoPrefix: o.NoPrefix, Debug: o.Debug, Command: o.Command,
	}
	return f.Run(cfg)
}

// runReverse is kubectl nsj -R: the agent listens in the pod's network
// namespace, this process dials; Ctrl-C, SIGTERM or SIGHUP end it (exit 0).
func runReverse(o *Options, cfg *rest.Config, cs kubernetes.Interface, t *kubeplugin.Target, agent *corev1.Pod) error {
	argv := kubeplugin.ReverseArgs(t, o.Specs, o.Debug)
	if o.Debug {
		fmt.Fprintf(os.Stderr, "kubectl-nsj: %s: node %s, containerd ID %s; running %q in pod %s/%s\n",
			t, t.Node, t.ContainerID, argv, agent.Namespace, agent.Name)
	}
	s := kubeplugin.Streams{In: strings.NewReader(""), Out: io.Discard, ErrOut: os.Stderr}
	ex, err := kubeplugin.NewExecutor(cfg, kubeplugin.ExecURL(cs, agent, argv, s))
	if err != nil {
		return kubeplugin.Errorf("preparing the exec in pod %s/%s: %w", agent.Namespace, agent.Name, err)
	}
	sctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return kubeplugin.Reverse(sctx, ex, agent, o.Specs, os.Stderr)
}
