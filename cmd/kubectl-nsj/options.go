package main

import (
	"fmt"
	"github.com/nsj-dev/nsj/internal/kubeplugin"
	"io"
	"strconv"
	"strings"

	"github.com/nsj-dev/nsj/internal/flagswitch"
	"github.com/nsj-dev/nsj/internal/forwardspec"
	"github.com/spf13/pflag"
)

// Options are kubectl-nsj's parsed command line.
type Options struct {
	Namespace      string // -n: the pod's namespace; "" means the kubeconfig's
	Container      string // -c: "" means the default container
	Kubeconfig     string // --kubeconfig; "" means $KUBECONFIG, else ~/.kube/config
	Context        string // --context; "" means the current context
	AgentNamespace string // --agent-namespace
	Stdin          bool   // -i: pass stdin to the command
	TTY            bool   // -t: give the command a terminal
	StdinSet       bool   // -i/--stdin was given (true or false)
	TTYSet         bool   // -t/--tty was given (true or false)
	Debug          bool   // --debug: say what was resolved on stderr
	Selector       string // -l: run in every matching pod (fanout.go)
	AllNamespaces  bool   // -A, with -l: pods of every namespace
	Jobs           int    // -j, with -l: tasks at a time on each node; 0: nsj's default
	Output         string // -o, with -l: "" (text) or "json"
	NoPrefix       bool   // --no-prefix, with -l
	Help, Version  bool
	Reverse        []string           // -R [BIND:]PORT:HOST:HOSTPORT, as given
	Specs          []forwardspec.Spec // -R, parsed

	Pod     string   // the pod's name
	Command []string // COMMAND [ARG...]; empty: a shell
}

const usageHead = `kubectl nsj runs a command in a pod's container with nsj, on the pod's node.

Usage:
  kubectl nsj [-n NAMESPACE] POD [-c CONTAINER] [flags] [-- COMMAND [ARG...]]
  kubectl nsj -l SELECTOR [-n NAMESPACE | -A] [-c CONTAINER] [-j N] [-o json] [--no-prefix] -- COMMAND [ARG...]
  kubectl nsj [-n NAMESPACE] POD [-c CONTAINER] -R [BIND:]PORT:HOST:HOSTPORT... [-- COMMAND [ARG...]]
  kubectl nsj capture [-n NAMESPACE] -l SELECTOR | POD[/CONTAINER] -w FILE|- [-- FILTER]   (see kubectl nsj capture --help)
  kubectl nsj cp [-n NAMESPACE] POD[/CONTAINER]:PATH DEST   (and SRC POD[/CONTAINER]:PATH; see kubectl nsj cp --help)

It reads the pod (its node and containerd container ID), finds the nsj-agent
pod that the DaemonSet of docs/kubernetes runs on that node, and runs
"nsj -n k8s.io <container-id> COMMAND" in it through the API server's exec,
as kubectl exec would. COMMAND is a binary of the agent's image (tcpdump, ss,
ip, ps, strace, ...), run in the container's network, pid, uts, ipc and
cgroup namespaces with a /proc that shows the container's processes; the
container's own files are at /proc/1/root. Without COMMAND: a shell.

When stdin and stdout are terminals and neither -i nor -t is given, -i -t is
implied, so that ^C reaches the command.

With -l, COMMAND runs in every container (-c: the one named) of every
running pod that the label selector picks, as nsj --all runs it: one exec
per node, in the node's agent, each output line prefixed with
NAMESPACE/POD/CONTAINER; exit 0 if it succeeded everywhere, else 1 and a
summary on stderr; ^C stops it in every pod (exit 130).

Flags:
`

const usageExamples = `
Examples:
  kubectl nsj web -- tcpdump -i any -nn          # the pod's traffic
  kubectl nsj -n shop cart -c app -- ss -tlnp    # its listening sockets
  kubectl nsj web -- ps -ef                      # its processes
  kubectl nsj web -- tcpdump -i any -w - > web.pcap
  kubectl nsj web                                # a shell in the pod's namespaces
  kubectl nsj -l app=web -A -- ss -s             # every web pod, on every node
  kubectl nsj web -R 4317:127.0.0.1:4317         # web's 127.0.0.1:4317 reaches this machine's :4317
  kubectl nsj capture -n shop -l app=web -w - -- port 80 | wireshark -k -i -   # kubectl nsj capture --help

Exit status: the command's own; 125 when kubectl-nsj or nsj fails (one line
on stderr says what and what to do), 126/127 when the command cannot be run
or is not found in the agent's image. Install the agent: docs/kubernetes.md.
`

// NewFlagSet defines kubectl-nsj's flags on o.
func NewFlagSet(o *Options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("kubectl-nsj", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVarP(&o.Namespace, "namespace", "n", "", "the pod's `NAMESPACE` (default: the kubeconfig context's, else \"default\")")
	fs.StringVarP(&o.Container, "container", "c", "", "`NAME` of the container, init container or ephemeral container (default: the kubectl.kubernetes.io/default-container annotation, else the only container)")
	fs.BoolVarP(&o.Stdin, "stdin", "i", false, "pass stdin to the command")
	fs.BoolVarP(&o.TTY, "tty", "t", false, "give the command a terminal (needs a terminal on stdin)")
	fs.StringVarP(&o.Selector, "selector", "l", "", "run COMMAND in every running pod that label `SELECTOR` picks, as kubectl get -l: KEY=VALUE, KEY!=VALUE, KEY, !KEY, KEY in (V1,V2), KEY notin (V1,V2), joined by commas, all must match (instead of POD)")
	fs.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "with -l: pods of every namespace")
	fs.IntVarP(&o.Jobs, "jobs", "j", 0, "with -l: run in `N` containers at a time on each node (default: the node's CPUs)")
	fs.StringVarP(&o.Output, "output", "o", "", "with -l: `FORMAT` json, a JSON record per line as nsj --all -o json prints (default: text)")
	fs.BoolVar(&o.NoPrefix, "no-prefix", false, "with -l: print the output lines without their pod and container")
	fs.StringArrayVarP(&o.Reverse, "reverse", "R", nil, "reverse forward `[BIND:]PORT:HOST:HOSTPORT`: listen in the pod's network namespace at BIND (default 127.0.0.1) PORT and dial each connection to HOST:HOSTPORT from this machine (IP addresses or localhost; no names); repeatable; no COMMAND; ends at Ctrl-C (docs/forward.md)")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig `FILE` (default $KUBECONFIG, else ~/.kube/config)")
	fs.StringVar(&o.Context, "context", "", "kubeconfig `CONTEXT` to use (default: the current context)")
	fs.StringVar(&o.AgentNamespace, "agent-namespace", kubeplugin.AgentNamespace, "`NAMESPACE` of the nsj-agent DaemonSet")
	fs.BoolVar(&o.Debug, "debug", false, "print the pod's node, container ID and agent pod on stderr, and nsj's steps")
	fs.BoolVar(&o.Version, "version", false, "print version information")
	fs.BoolVarP(&o.Help, "help", "h", false, "print this help")
	flagswitch.Show(fs)
	return fs
}

// PrintUsage writes the --help text.
func PrintUsage(w io.Writer) {
	fs := NewFlagSet(&Options{})
	fmt.Fprint(w, usageHead)
	fmt.Fprint(w, fs.FlagUsagesWrapped(80))
	fmt.Fprint(w, usageExamples)
}

// ParseArgs parses the plugin's arguments (without the program name). As
// with kubectl exec, COMMAND must follow "--", so that its own flags (-i of
// tcpdump) are never taken for the plugin's.
func ParseArgs(args []string) (*Options, error) {
	o := &Options{}
	fs := NewFlagSet(o)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		return nil, kubeplugin.Errorf("%v; see kubectl nsj --help", err)
	}
	if o.Help || o.Version {
		return o, nil
	}
	o.StdinSet, o.TTYSet = fs.Changed("stdin"), fs.Changed("tty")
	pos, dash := fs.Args(), fs.ArgsLenAtDash()
	if dash >= 0 {
		o.Command = pos[dash:]
		pos = pos[:dash]
	}
	if fs.Changed("selector") {
		if len(o.Reverse) > 0 {
			return nil, kubeplugin.Errorf("-R forwards to one pod; drop -l and name the pod")
		}
		return o, o.checkFanOut(pos, dash, args)
	}
	if o.AllNamespaces || o.Jobs != 0 || fs.Changed("output") || o.NoPrefix {
		return nil, kubeplugin.Errorf("-A, -j, -o and --no-prefix go with -l SELECTOR; see kubectl nsj --help")
	}
	switch {
	case len(pos) == 0:
		return nil, kubeplugin.Errorf("no pod named; usage: kubectl nsj [-n NAMESPACE] POD [-c CONTAINER] -- COMMAND")
	case len(pos) > 1 && dash < 0:
		return nil, missingDash(args, 1)
	case len(pos) > 1:
		return nil, kubeplugin.Errorf("%q: kubectl nsj joins one pod at a time; name one pod, then \"--\" and the command", strings.Join(pos, " "))
	}
	pod, err := podName(pos[0])
	if err != nil {
		return nil, err
	}
	o.Pod = pod
	return o, o.checkReverse()
}

// checkReverse reads -R: forwarding only, over the exec's stdin and
// stdout, so no COMMAND, -i or -t.
func (o *Options) checkReverse() error {
	if len(o.Reverse) == 0 {
		return nil
	}
	if len(o.Command) > 0 || o.StdinSet || o.TTYSet {
		return kubeplugin.Errorf("-R only forwards (the exec's stdin and stdout carry the connections): drop the command, -i and -t, and run it in another kubectl nsj")
	}
	for _, text := range o.Reverse {
		s, err := forwardspec.Parse(forwardspec.Remote, text)
		if err != nil {
			return kubeplugin.Errorf("%w", err)
		}
		o.Specs = append(o.Specs, s)
	}
	return nil
}

// missingDash is the error for a command given without "--": it suggests
// the same words with "--" before the command, keeping every word, also
// those the plugin took for its own flags (-i of tcpdump -i any).
func missingDash(args []string, pods int) error {
	k := commandStart(args, pods)
	command := quoteWords(args[k:])
	after := "after the pod"
	if pods == 0 {
		after = "after the flags"
	}
	return kubeplugin.Errorf("%s %s: the command must follow \"--\"; run kubectl nsj %s -- %s",
		strconv.Quote(command), after, quoteWords(args[:k]), command)
}

// commandStart is the index in args of the first word after the pods (as
// many as pods: one, or none with -l) that is not a flag or a flag's
// value: where "--" belongs.
func commandStart(args []string, pods int) int {
	for k := pods; k < len(args); k++ {
		fs := NewFlagSet(&Options{})
		fs.SetOutput(io.Discard)
		if fs.Parse(args[:k+1]) == nil && len(fs.Args()) == pods+1 && fs.Args()[pods] == args[k] {
			return k
		}
	}
	return len(args)
}

// quoteWords joins words with spaces, quoting those a shell would split
// or expand.
func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = w
		if w == "" || strings.ContainsAny(w, " \t\n'\"\\$`|&;<>()*?[]{}~#!") {
			q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

// podName accepts NAME, pod/NAME and pods/NAME, as kubectl exec does.
func podName(arg string) (string, error) {
	kind, name, found := strings.Cut(arg, "/")
	if !found {
		return arg, nil
	}
	if (kind != "pod" && kind != "pods" && kind != "po") || name == "" {
		return "", kubeplugin.Errorf("%q: not a pod name; name a pod as NAME or pod/NAME (see kubectl get pods)", arg)
	}
	return name, nil
}

// Interactive settles -i and -t: when neither flag was given and both stdin
// and stdout are terminals, the command gets stdin and a terminal; -t
// without a terminal on stdin is dropped with a warning, as kubectl exec does.
func (o *Options) Interactive(stdinTerminal, stdoutTerminal bool) (stdin, tty bool, warning string) {
	stdin, tty = o.Stdin, o.TTY
	if !o.StdinSet && !o.TTYSet && stdinTerminal && stdoutTerminal {
		stdin, tty = true, true
	}
	if tty && !stdinTerminal {
		return stdin, false, "Unable to use a TTY - input is not a terminal or the right kind of file"
	}
	return stdin, tty, ""
}
