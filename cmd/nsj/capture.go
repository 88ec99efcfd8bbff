package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/nsj-dev/nsj/internal/capture"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// nsj capture: one packet capture across containers, merged into one
// pcap-ng stream (package capture). It is recognised only as the first
// word of the command line; a container named "capture" is still joined
// with a flag first (nsj -n default capture).

// captureOptions are nsj capture's command line.
type captureOptions struct {
	options              // the target choice, as nsj --all takes it: -n, -a, -A, --timeout, --selector, --pod-namespace, --all
	write       string   // -w FILE, or - for stdout
	ifaces      []string // -i
	snaplen     int
	count       int
	duration    time.Duration
	filter      string // -f, or the words after --
	hostNetwork bool
	words       []string // TASK and pod/NAME[/CONTAINER] words
}

const captureUsageHead = `nsj capture runs the host's tcpdump in the network namespace of each
container chosen, and merges what they capture into one pcap-ng stream:
one interface per container and interface (<pod-namespace>/<pod>/<container>:eth0,
else the Docker or nerdctl name, else the short ID), packets in time order,
each interface's drop counts at the end. ^C, -c or --duration end it with
a whole file.

Usage:
  nsj capture [flags] -w FILE|- TASK|pod/NAME[/CONTAINER]... [-- FILTER]
  nsj capture [flags] -w FILE|- --all [--selector SELECTOR]... [--pod-namespace NS] [-- FILTER]

FILTER is a tcpdump (pcap-filter) expression. Containers on the host's
network are named once and left out unless --host-network. A pod's
containers share one network namespace: it is captured once, named after
the first of them.

Flags:
`

const captureUsageExamples = `
Examples:
  nsj capture -w - -n k8s.io --all --selector app=web -- port 80 | wireshark -k -i -
  nsj capture -w web.pcapng pod/web-0 pod/db-0 -- icmp or port 5432
  nsj capture -w - -c 100 web db | tshark -r -
  nsj capture -w dns.pcapng --duration 30s -A --all -- udp port 53
See docs/capture.md.
`

func newCaptureFlags(o *captureOptions) *pflag.FlagSet {
	fs := pflag.NewFlagSet("nsj capture", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVarP(&o.write, "write", "w", "", "write the pcap-ng stream to `FILE`; - is stdout (not a terminal): | wireshark -k -i -")
	fs.StringArrayVarP(&o.ifaces, "interface", "i", nil, "capture on interface `IFACE` of each container (repeat for more; default: every interface that is up, but lo)")
	fs.IntVarP(&o.snaplen, "snapshot-length", "s", 0, "capture at most `N` bytes of each packet (default: tcpdump's, 262144)")
	fs.IntVarP(&o.count, "count", "c", 0, "stop after `N` packets in all (0: no limit)")
	fs.DurationVar(&o.duration, "duration", 0, "stop after `DURATION`, such as 30s (0: no limit)")
	fs.StringVarP(&o.filter, "filter", "f", "", "capture only packets that match `EXPR` (pcap-filter(7)); or give it after --")
	fs.BoolVar(&o.hostNetwork, "host-network", false, "capture containers on the host's network too (on the host's interfaces)")
	fs.BoolVar(&o.all, "all", false, "every running task that matches (as nsj --all chooses them)")
	fs.StringArrayVar(&o.selectors, "selector", nil, "with --all: only tasks whose labels match `SELECTOR` (as kubectl -l)")
	fs.StringVar(&o.podNamespace, "pod-namespace", "", "with --all: only containers of pods in Kubernetes namespace `NS`; with pod/NAME: the pod's namespace")
	fs.StringVarP(&o.address, "address", "a", "", "containerd `SOCKET` (default $CONTAINERD_ADDRESS, else every one of the usual sockets that exists)")
	fs.StringVarP(&o.namespace, "namespace", "n", "", "containerd `NAMESPACE` (default $CONTAINERD_NAMESPACE, else \"default\"; k8s.io for Kubernetes, moby for Docker)")
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "with --all: every containerd namespace")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "give up on containerd after `DURATION`")
	fs.BoolVar(&o.stopAtEOF, "stop-at-eof", false, "read stdin, and stop as ^C does when it ends (kubectl nsj capture stops each node's capture so)")
	fs.BoolVarP(&o.help, "help", "h", false, "print this help")
	return fs
}

// captureCommand is nsj capture ARGS...
func captureCommand(args []string) error {
	o := &captureOptions{}
	fs := newCaptureFlags(o)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		return usageErrorf("capture: %v; see nsj capture --help", err)
	}
	if o.help {
		fmt.Fprint(os.Stdout, captureUsageHead+fs.FlagUsagesWrapped(80)+captureUsageExamples)
		return nil
	}
	if err := o.validate(fs); err != nil {
		return err
	}
	o.logLevel = "info" // nsj's default
	if err := setupLogging(&o.options); err != nil {
		return err
	}
	return o.run()
}

// validate checks the command line, before anything is looked up or
// opened.
func (o *captureOptions) validate(fs *pflag.FlagSet) error {
	words := fs.Args()
	if at := fs.ArgsLenAtDash(); at >= 0 {
		words, o.filter = words[:at], strings.TrimSpace(o.filter+" "+strings.Join(words[at:], " "))
		if fs.Changed("filter") && at < len(fs.Args()) {
			return usageErrorf("capture: a filter with -f and after --: give it once")
		}
	}
	o.words = words
	switch {
	case o.write == "":
		return usageErrorf("capture: say where the capture goes: -w FILE, or -w - for stdout (| wireshark -k -i -)")
	case o.all && len(words) > 0:
		return usageErrorf("capture: --all and the containers %s: give one or the other", strings.Join(words, " "))
	case !o.all && len(words) == 0:
		return usageErrorf("capture: name the containers (TASK, pod/NAME[/CONTAINER]) or give --all; see nsj capture --help")
	case !o.all && (len(o.selectors) > 0 || o.allNamespaces):
		return usageErrorf("capture: --selector and -A go with --all")
	case o.snaplen < 0 || o.snaplen > 262144:
		return usageErrorf("capture: -s %d: a snapshot length is 1 to 262144 bytes (0: tcpdump's default)", o.snaplen)
	case o.count < 0:
		return usageErrorf("capture: -c %d: a count is 0 (no limit) or more", o.count)
	case o.duration < 0:
		return usageErrorf("capture: --duration %v: a duration is 0 (no limit) or more", o.duration)
	}
	for _, i := range o.ifaces {
		if i == "" || strings.ContainsAny(i, "/ \t\n") || len(i) > 15 {
			return usageErrorf("capture: -i %q is not an interface name (such as eth0)", i)
		}
	}
	if _, err := exec.LookPath("tcpdump"); err != nil {
		return usageErrorf("capture: nsj capture runs the host's tcpdump, which is not in PATH: install it (apt-get install tcpdump)")
	}
	if o.write == "-" && term.IsTerminal(int(os.Stdout.Fd())) {
		return usageErrorf("capture: -w - writes binary pcap-ng: not to a terminal; pipe it (| wireshark -k -i -, | tshark -r -) or give -w FILE")
	}
	return checkFilter(o.filter)
}

// checkFilter compiles the filter with the host's tcpdump, for Ethernet,
// so that a bad one is one line before any container is joined.
func checkFilter(filter string) error {
	if filter == "" {
		return nil
	}
	out, err := exec.Command("tcpdump", "-d", "-y", "EN10MB", "--", filter).CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		msg = msg[strings.LastIndexByte(msg, '\n')+1:]
		return usageErrorf("capture: filter %q: %s; see pcap-filter(7)", filter, strings.TrimPrefix(msg, "tcpdump: "))
	}
	return nil
}

// output opens where the stream goes.
func (o *captureOptions) output() (*os.File, error) {
	if o.write == "-" {
		return os.Stdout, nil
	}
	f, err := os.OpenFile(o.write, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, usageErrorf("capture: -w %s: %v", o.write, err)
	}
	return f, nil
}

// run chooses the containers and captures.
func (o *captureOptions) run() error {
	targets, st, done, err := o.targets()
	if err != nil {
		return err
	}
	defer done()
	out, err := o.output()
	if err != nil {
		return err
	}
	err = capture.Run(st, targets, capture.Options{
		Out: out, Stderr: os.Stderr, Interfaces: o.ifaces, Snaplen: o.snaplen,
		Count: o.count, Duration: o.duration, Filter: o.filter, HostNetwork: o.hostNetwork, StopAtEOF: o.stopAtEOF,
	})
	if cerr := out.Close(); err == nil && cerr != nil && out != os.Stdout {
		err = fmt.Errorf("closing %s: %w", o.write, cerr)
	}
	return err
}
