package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// options are nsj's parsed command line.
type options struct {
	targetPID     int
	address       string
	namespace     string
	timeout       time.Duration
	ns            []string
	sysfs         bool
	dir           string
	env           []string
	list          bool
	inspect       bool
	allNamespaces bool
	quiet         bool
	output        string
	debug         bool
	logLevel      string
	version       bool
	help          bool
	completion    string // --completion SHELL: print the completion script
	complete      bool   // hidden: the completion scripts ask for candidates

	target  string   // the task, when no --target-pid
	command []string // COMMAND [ARG...]; empty: the caller's shell
}

const usageHead = `nsj runs a host command inside a running container's namespaces.

Usage:
  nsj [flags] TASK [COMMAND [ARG...]]
  nsj [flags] --target-pid PID [COMMAND [ARG...]]
  nsj --list [-n NAMESPACE | --all-namespaces] [-q] [-o table|json]
  nsj --inspect [-n NAMESPACE] TASK

TASK is a containerd task (container) ID or a unique prefix of one. Flags end
at TASK: every word after it belongs to COMMAND. Without COMMAND nsj starts
$SHELL (else /bin/sh). The command is the host's binary, run with the host's
files, in the container's network, pid, uts, ipc, cgroup (and time)
namespaces, with a fresh /proc that shows the container's processes. The
container's own files are at /proc/1/root ($NSJ_ROOT).

Flags:
`

const usageExamples = `
Examples:
  nsj -n k8s.io 3f2a ps -ef              # the container's processes
  nsj -n k8s.io 3f2a tcpdump -i any -nn  # its network traffic
  nsj -n k8s.io 3f2a ss -tlnp            # its listening sockets
  nsj -n k8s.io 3f2a                     # a host shell in the container
  nsj -n moby 9c1e ip addr               # a Docker container (namespace moby)
  nsj -a /run/k3s/containerd/containerd.sock -n k8s.io 3f2a top   # k3s
  nsj -t 4242 --ns net,uts ip -o link    # any process, chosen namespaces
  nsj --list -n k8s.io                   # tasks and their namespaces

Exit status: the command's own; 125 when nsj fails, 126 when the command
cannot be executed, 127 when it is not found.
`

// newFlagSet defines every flag of nsj on o.
func newFlagSet(o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("nsj", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SortFlags = false
	fs.IntVarP(&o.targetPID, "target-pid", "t", 0, "join the namespaces of process `PID` instead of a containerd task")
	fs.StringVarP(&o.address, "address", "a", "", "containerd `SOCKET` (default $CONTAINERD_ADDRESS, else the first of the usual sockets)")
	fs.StringVarP(&o.namespace, "namespace", "n", "", "containerd `NAMESPACE` (default $CONTAINERD_NAMESPACE, else \"default\"; k8s.io for Kubernetes, moby for Docker)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "give up on containerd after `DURATION`")
	fs.StringSliceVar(&o.ns, "ns", nil, "namespace `TYPES` to join, comma-separated: net,pid,uts,ipc,cgroup,time,user (default: all the target has apart from the host's, never user)")
	fs.BoolVar(&o.sysfs, "sysfs", false, "mount a fresh /sys for the joined network namespace (ls /sys/class/net, tcpdump -D)")
	fs.StringVarP(&o.dir, "wd", "w", "", "run the command in host directory `DIR`")
	fs.StringArrayVarP(&o.env, "env", "e", nil, "set `KEY=VALUE` in the command's environment (KEY alone copies nsj's own); repeatable")
	fs.BoolVar(&o.list, "list", false, "list tasks with their PID, status and private namespaces")
	fs.BoolVar(&o.inspect, "inspect", false, "print TASK's PID, status, labels and namespaces as JSON")
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "with --list: every containerd namespace")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "with --list: task IDs only")
	fs.StringVarP(&o.output, "output", "o", "table", "with --list: `FORMAT` table or json")
	fs.BoolVar(&o.debug, "debug", false, "log each step on stderr (same as --log-level debug)")
	fs.StringVar(&o.logLevel, "log-level", "info", "`LEVEL` of diagnostics on stderr: debug, info, warn, error")
	fs.BoolVar(&o.version, "version", false, "print version information")
	fs.StringVar(&o.completion, "completion", "", "print the completion script for `SHELL` (bash, zsh or fish)")
	fs.BoolVar(&o.complete, "complete", false, "list completions for the words after --")
	fs.MarkHidden("complete")
	fs.BoolVarP(&o.help, "help", "h", false, "print this help")
	return fs
}

func printUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprint(w, usageHead)
	fmt.Fprint(w, fs.FlagUsagesWrapped(80))
	fmt.Fprint(w, usageExamples)
}

// parseArgs parses argv (without the program name) into options.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	fs := newFlagSet(o)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		return nil, usageErrorf("%v; see nsj --help", err)
	}
	if o.help {
		printUsage(os.Stdout, fs)
		return o, nil
	}
	if fs.Changed("target-pid") && o.targetPID <= 0 {
		return nil, usageErrorf("--target-pid %d: a PID is a positive number", o.targetPID)
	}
	rest := fs.Args()
	if o.complete || o.completion != "" {
		o.command = rest
		return o, nil
	}
	if o.targetPID == 0 && len(rest) > 0 && !o.list && !o.version {
		o.target, rest = rest[0], rest[1:]
	}
	o.command = rest
	return o, o.check()
}

// check rejects combinations that make no sense, before anything is touched.
func (o *options) check() error {
	switch {
	case o.version:
		return nil
	case o.list && (o.targetPID != 0 || o.inspect):
		return usageErrorf("--list takes no target; see nsj --help")
	case o.list && len(o.command) > 0:
		return usageErrorf("--list takes no arguments, got %q", strings.Join(o.command, " "))
	case o.output != "table" && o.output != "json":
		return usageErrorf("--output %q: use table or json", o.output)
	case o.inspect && o.target == "":
		return usageErrorf("--inspect needs a TASK; see nsj --list")
	case o.inspect && len(o.command) > 0:
		return usageErrorf("--inspect takes one TASK, got %q too", strings.Join(o.command, " "))
	case !o.list && o.targetPID == 0 && o.target == "":
		return usageErrorf("no target: name a TASK (see nsj --list) or a process with -t PID")
	case o.targetPID != 0 && (o.address != "" || o.namespace != ""):
		return usageErrorf("--target-pid names a process directly; drop -a/-n")
	}
	for _, e := range o.env {
		if strings.HasPrefix(e, "=") || e == "" {
			return usageErrorf("-e %q: use KEY=VALUE or KEY", e)
		}
	}
	return nil
}
