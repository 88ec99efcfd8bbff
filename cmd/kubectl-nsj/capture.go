package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nsj-dev/nsj/internal/kubeplugin"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// kubectl nsj capture: nsj capture on every node that runs a chosen pod,
// the nodes' streams merged into one (kubeplugin.Capture). Recognised only
// as the first word.

const captureUsage = `kubectl nsj capture runs nsj capture on every node that runs a chosen pod
(through the node's nsj-agent) and merges the nodes' pcap-ng streams into
one: one interface per pod (<pod-namespace>/<pod>/<container>:eth0), packets
in time order, drop counts at the end. ^C stops every node's capture.

Usage:
  kubectl nsj capture [-n NS] -l SELECTOR [-c CONTAINER] -w FILE|- [flags] [-- FILTER]
  kubectl nsj capture [-n NS] POD[/CONTAINER] -w FILE|- [flags] [-- FILTER]

Examples:
  kubectl nsj capture -n shop -l app=web -w - -- port 80 | wireshark -k -i -
  kubectl nsj capture -n shop cart-0 -w cart.pcapng --duration 30s -- icmp

Flags:
`

type captureArgs struct {
	kubeplugin.Capture
	kubeconfig, context, write string
	allNamespaces, help        bool
	ifaces                     []string
	snaplen                    int
	duration                   time.Duration
}

func captureFlags(a *captureArgs) *pflag.FlagSet {
	fs := pflag.NewFlagSet("kubectl-nsj capture", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVarP(&a.write, "write", "w", "", "write the merged pcap-ng stream to `FILE`; - is stdout (not a terminal)")
	fs.StringVarP(&a.Namespace, "namespace", "n", "", "the pods' `NAMESPACE` (default: the kubeconfig context's)")
	fs.StringVarP(&a.Selector, "selector", "l", "", "every running pod that label `SELECTOR` picks, as kubectl get -l (instead of POD)")
	fs.BoolVarP(&a.allNamespaces, "all-namespaces", "A", false, "with -l: pods of every namespace")
	fs.StringVarP(&a.Container, "container", "c", "", "`NAME` of the container of each pod (its network is the pod's: one is enough)")
	fs.StringArrayVarP(&a.ifaces, "interface", "i", nil, "capture on interface `IFACE` of each pod (default: every one that is up, but lo)")
	fs.IntVarP(&a.snaplen, "snapshot-length", "s", 0, "capture at most `N` bytes of each packet")
	fs.IntVar(&a.Count, "count", 0, "stop after `N` packets in all")
	fs.DurationVar(&a.duration, "duration", 0, "stop after `DURATION`")
	fs.StringVar(&a.kubeconfig, "kubeconfig", "", "kubeconfig `FILE`")
	fs.StringVar(&a.context, "context", "", "kubeconfig `CONTEXT`")
	fs.StringVar(&a.AgentNamespace, "agent-namespace", kubeplugin.AgentNamespace, "`NAMESPACE` of the nsj-agent DaemonSet")
	fs.BoolVar(&a.Debug, "debug", false, "say on stderr what runs where")
	fs.BoolVarP(&a.help, "help", "h", false, "print this help")
	return fs
}

// capturePlugin is kubectl nsj capture ARGS: it returns the exit status.
func capturePlugin(args []string) int {
	a := &captureArgs{}
	fs := captureFlags(a)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return report(os.Stderr, kubeplugin.Errorf("capture: %v; see kubectl nsj capture --help", err))
	}
	if a.help {
		fmt.Print(captureUsage + fs.FlagUsagesWrapped(80))
		return 0
	}
	if err := a.check(fs); err != nil {
		return report(os.Stderr, err)
	}
	cfg, ns, err := kubeplugin.LoadConfig(a.kubeconfig, a.context, a.Namespace)
	if err != nil {
		return report(os.Stderr, err)
	}
	a.Namespace = ns
	if a.allNamespaces {
		a.Namespace = ""
	}
	out := os.Stdout
	if a.write != "-" {
		if out, err = os.Create(a.write); err != nil {
			return report(os.Stderr, kubeplugin.Errorf("capture: -w %s: %w", a.write, err))
		}
		defer out.Close()
	}
	a.Out = out
	code, err := a.Run(cfg)
	if err != nil {
		return report(os.Stderr, err)
	}
	return code
}

// check validates the command line and sets the flags passed to each node.
func (a *captureArgs) check(fs *pflag.FlagSet) error {
	pos := fs.Args()
	if at := fs.ArgsLenAtDash(); at >= 0 {
		pos, a.Filter = pos[:at], strings.Join(pos[at:], " ")
	}
	switch {
	case a.write == "":
		return kubeplugin.Errorf("capture: say where the capture goes: -w FILE, or -w - for stdout (| wireshark -k -i -)")
	case a.write == "-" && term.IsTerminal(int(os.Stdout.Fd())):
		return kubeplugin.Errorf("capture: -w - writes binary pcap-ng: not to a terminal; pipe it (| wireshark -k -i -) or give -w FILE")
	case a.Selector != "" && len(pos) > 0:
		return kubeplugin.Errorf("capture: -l and the pod %s: give one or the other", strings.Join(pos, " "))
	case a.Selector == "" && len(pos) != 1:
		return kubeplugin.Errorf("capture: name one POD[/CONTAINER], or pods with -l SELECTOR; see kubectl nsj capture --help")
	case a.allNamespaces && a.Selector == "":
		return kubeplugin.Errorf("capture: -A goes with -l")
	case a.Count < 0 || a.snaplen < 0 || a.duration < 0:
		return kubeplugin.Errorf("capture: --count, -s and --duration are 0 (no limit) or more")
	}
	if len(pos) == 1 {
		a.Pod, a.Container, _ = strings.Cut(pos[0], "/")
		if c := fs.Lookup("container"); c.Changed && a.Container != "" {
			return kubeplugin.Errorf("capture: the container twice: -c and POD/CONTAINER")
		}
		if a.Container == "" {
			a.Container = fs.Lookup("container").Value.String()
		}
	}
	for _, i := range a.ifaces {
		a.Flags = append(a.Flags, "-i", i)
	}
	if a.snaplen > 0 {
		a.Flags = append(a.Flags, "-s", fmt.Sprint(a.snaplen))
	}
	if a.Count > 0 {
		a.Flags = append(a.Flags, "-c", fmt.Sprint(a.Count))
	}
	if a.duration > 0 {
		a.Flags = append(a.Flags, "--duration", a.duration.String())
	}
	return nil
}
