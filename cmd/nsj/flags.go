package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nsj-dev/nsj/internal/flagswitch"
	"github.com/nsj-dev/nsj/internal/forwardspec"
	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/runtime"
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

	all          bool          // --all: every matching task (all.go)
	selectors    []string      // --selector SELECTOR, with --all (internal/base/selector)
	podNamespace string        // --pod-namespace, with --all
	jobs         int           // -j, with --all; 0: number of CPUs
	noPrefix     bool          // --no-prefix, with --all
	stopAtEOF    bool          // --stop-at-eof, with --all (internal/fanout/eof.go)
	taskTimeout  time.Duration // --task-timeout, with --all; 0: none

	sandbox bool            // --sandbox: the pod's sandbox (internal/plan/pod.go)
	pods    bool            // --pods, with --list: pods and their containers (podlist.go)
	pod     *runtime.PodRef // the target, when it names a pod (pod/NAME, k8s://...)

	fs     string // --fs host|container: whose files the command sees (internal/plan/fs.go)
	rootAt string // --root-at DIR: the container's root in the host view (internal/plan/fs.go)
	// --privileged: --fs container keeps the host's privileges (internal/plan/confine.go)
	privileged bool

	preserveCreds bool // --preserve-credentials: keep nsj's uid/gid in the user namespace (internal/plan/userns.go)

	forwards []string           // -L [BIND:]PORT:HOST:HOSTPORT, as given (forward.go)
	reverses []string           // -R [BIND:]PORT:HOST:HOSTPORT, as given
	specs    []forwardspec.Spec // both, parsed (checkForwards)
	// hidden --reverse-stdio: -R connections go over stdin and stdout to
	// kubectl nsj -R, which dials (internal/streammux)
	reverseStdio bool

	target  string   // the task, when no --target-pid
	command []string // COMMAND [ARG...]; empty: the caller's shell

	mode  mode              // what this run does, worked out once (mode.go)
	given map[string]string // the flags the command line gave, by name: their label in messages
}

const usageHead = `nsj runs a host command inside a running container's namespaces.

Usage:
  nsj [flags] TASK [COMMAND [ARG...]]
  nsj [flags] --target-pid PID [COMMAND [ARG...]]
  nsj --list [-n NAMESPACE | --all-namespaces] [-q | -o table|json]
  nsj --inspect [-n NAMESPACE] TASK | [--sandbox] pod/NAME[/CONTAINER]
  nsj [flags] [--pod-namespace NS] [--sandbox] pod/NAME[/CONTAINER] [COMMAND [ARG...]]
  nsj --list --pods [--pod-namespace NS] [-q | -o table|json]
  nsj --all [flags] [--selector SELECTOR]... [-j N] [--task-timeout D] [--] COMMAND [ARG...]
  nsj [flags] -L|-R [BIND:]PORT:HOST:HOSTPORT... TASK [COMMAND [ARG...]]
  nsj capture [flags] -w FILE|- TASK...|--all [-- FILTER]   (nsj capture --help)
  nsj cp [flags] TASK:PATH DEST|-  or  SRC|- TASK:PATH      (nsj cp --help)

TASK is a containerd task (container) ID, a Docker or nerdctl container name
(nsj web ps), or a unique prefix of an ID; NAMESPACE/ID (k8s.io/3f2a) is an
ID or ID prefix in that containerd namespace only. Without -a nsj searches
every containerd of the node (the usual sockets that exist), for pods too,
and refuses a name found on two. Flags end at TASK: every word
after it belongs to COMMAND. Without COMMAND nsj starts $SHELL (else
/bin/sh). The command is the host's binary, run with the host's
files, in the container's network, pid, uts, ipc, cgroup (and time)
namespaces, with a fresh /proc that shows the container's processes. The
container's own files are at /proc/1/root ($NSJ_ROOT), or at DIR with
--root-at DIR. With --fs container the command runs in the container's own
mount namespace instead (/ and /proc are the container's): a distroless
container's, for one; only a statically linked host binary can run there,
with the container's privileges (capabilities, user, seccomp profile,
cgroups, oom_score_adj; --privileged keeps the host's) and PATH=/dev/null
unless -e PATH.

A Kubernetes pod's container is pod/NAME/CONTAINER (pod namespace from
--pod-namespace, default "default") or k8s://NAMESPACE/NAME/CONTAINER, in
containerd namespace k8s.io unless -n says otherwise. A pod's only
container, or the one its kubectl.kubernetes.io/default-container
annotation names, needs no /CONTAINER. --sandbox joins the pod's sandbox:
its network, IPC and UTS namespaces (pid too if the pod shares one); so
does nsj, with a warning, when the container is not running (crash-looping).

--all runs COMMAND in every running task that matches, N at a time, and
prefixes each line of output with its task (<pod-namespace>/<pod>/<container>
for Kubernetes containers). It exits 0 when COMMAND succeeded in every task,
else 1 with a summary of the failures on stderr.

Each mode takes only its own flags: a flag the run would ignore (--sysfs
with --inspect, -j without --all) is refused, exit 125, with what to drop.

nsj warns before it joins a container whose processes can reach the host
command it runs there: a privileged one, or one with CAP_SYS_ADMIN or
CAP_SYS_PTRACE; in a user namespace of its own, one with CAP_SYS_PTRACE
there when --ns user puts the command in it (see docs/security.md). A -t
PID process is judged by its own capabilities. --log-level error silences
the warnings.

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
  nsj --root-at /ctr 3f2a du -sh /ctr/var/log   # host tools on the container's files
  nsj --fs container 3f2a /bin/busybox ls /     # a distroless container, from inside
  nsj pod/web-7d9f/nginx ss -tlnp        # a pod's container (pod namespace default)
  nsj --sandbox k8s://shop/web-7d9f tcpdump -i eth0   # the pod's network, even if it crashed
  nsj --list --pods                      # pods and their containers on this node
  nsj --all -n k8s.io -- ss -Htln 'sport = :8080'   # who listens on :8080?
  nsj --all -A --selector app=web -- ss -s          # every web container
  nsj -L 8080:127.0.0.1:80 web           # host's 127.0.0.1:8080 -> web's loopback :80, until Ctrl-C
  nsj -R 4317:127.0.0.1:4317 web         # web's 127.0.0.1:4317 -> the host's :4317
  nsj -R 8125:127.0.0.1:8125 web ./load.sh   # web reaches the host's :8125 while load.sh runs
  nsj capture -w - --all --selector app=web -- port 80 | wireshark -k -i -   # one merged capture
  nsj cp web:/var/log/app.log .         # a file out of a container, its links resolved inside it

Exit status: the command's own; 125 when nsj fails, 126 when the command
cannot be executed, 127 when it is not found.
`

// newFlagSet defines every flag of nsj on o.
func newFlagSet(o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("nsj", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SortFlags = false
	fs.IntVarP(&o.targetPID, "target-pid", "t", 0, "join the namespaces of process `PID` instead of a containerd task")
	fs.StringVarP(&o.address, "address", "a", "", "containerd `SOCKET` (default $CONTAINERD_ADDRESS, else every one of the usual sockets that exists)")
	fs.StringVarP(&o.namespace, "namespace", "n", "", "containerd `NAMESPACE` (default $CONTAINERD_NAMESPACE, else \"default\"; k8s.io for Kubernetes, moby for Docker)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "give up on containerd after `DURATION`")
	fs.StringSliceVar(&o.ns, "ns", nil, "namespace `TYPES` to join, comma-separated: net,pid,uts,ipc,cgroup,time,user (default: all the target has apart from the host's, never user; with user the command becomes the root of the container's user namespace, as nsenter -U; with --fs container every namespace of the target is joined, user too if it has one, and an --ns that leaves one out is refused)")
	fs.BoolVar(&o.preserveCreds, "preserve-credentials", false, "with --ns user: keep nsj's uid, gid and groups in the container's user namespace (as nsenter --preserve-credentials) instead of becoming its root; the command then has no capabilities there")
	fs.BoolVar(&o.sysfs, "sysfs", false, "mount a fresh /sys for the joined network namespace, for tools that read /sys/class/net (ip, ss and tcpdump see the container's interfaces without it)")
	fs.StringVarP(&o.dir, "wd", "w", "", "run the command in directory `DIR` (a host path; with --fs container, a path in the container)")
	fs.StringVar(&o.fs, "fs", plan.FSHost, "`FILES` the command sees: host (the host's, in a private copy of its mounts) or container (the container's own mount namespace; COMMAND must be a statically linked host binary, default busybox sh, run from a read-only mount; it joins every namespace of the container, gets the container's environment (its OCI spec's, then -e, then TERM; with -t PID: -e and TERM only) and, on a terminal, a pseudo-terminal of its own, which nsj relays, else no terminal at all)")
	fs.BoolVar(&o.privileged, "privileged", false, "with --fs container: keep the host's root privileges instead of the container's (capabilities, user, seccomp, cgroup, oom_score_adj) and get the operator's terminal itself; whatever the command runs from the container's files then runs as unconfined host root")
	fs.StringVar(&o.rootAt, "root-at", "", "attach the container's root filesystem at `DIR` of nsj's private view ($NSJ_ROOT); DIR must be missing or empty and hold no $PATH entry; it is created if missing and removed at exit")
	fs.StringArrayVarP(&o.env, "env", "e", nil, "set `KEY=VALUE` in the command's environment (KEY alone copies nsj's own); repeatable; the rest is nsj's environment, or with --fs container the container's")
	fs.StringArrayVarP(&o.forwards, "forward", "L", nil, "forward `[BIND:]PORT:HOST:HOSTPORT`: listen on the host at BIND (default 127.0.0.1) PORT, and dial each connection to HOST:HOSTPORT from inside the container's network namespace, so its loopback-only ports are reachable; HOST and BIND are IP addresses or localhost, never resolved; repeatable; without COMMAND nsj only forwards, until Ctrl-C (docs/forward.md)")
	fs.StringArrayVarP(&o.reverses, "reverse", "R", nil, "reverse forward `[BIND:]PORT:HOST:HOSTPORT`: listen inside the container's network namespace at BIND (default 127.0.0.1) PORT, and dial each connection to HOST:HOSTPORT on the host; repeatable")
	fs.BoolVar(&o.reverseStdio, "reverse-stdio", false, "with -R and no COMMAND: carry each connection over stdin and stdout to kubectl nsj -R, which dials HOST:HOSTPORT")
	fs.MarkHidden("reverse-stdio")
	fs.BoolVar(&o.list, "list", false, "list tasks with their PID, status and private namespaces")
	fs.BoolVar(&o.inspect, "inspect", false, "print TASK's PID, status, labels and namespaces as JSON")
	fs.BoolVar(&o.all, "all", false, "run COMMAND in every running task that matches (see --selector), output prefixed with the task")
	fs.StringArrayVar(&o.selectors, "selector", nil, "with --all: only tasks whose container's labels (a Kubernetes container's: its pod's) match label `SELECTOR`, as kubectl -l writes it: KEY=VALUE, KEY!=VALUE, KEY, !KEY, KEY in (V1,V2), KEY notin (V1,V2), joined by commas; repeatable, all must match")
	fs.StringVar(&o.podNamespace, "pod-namespace", "", "with pod/NAME and --list --pods: the pod's `NAMESPACE` (default \"default\"; --list --pods: every one); with --all: only Kubernetes containers of pods in NAMESPACE")
	fs.IntVarP(&o.jobs, "jobs", "j", 0, "with --all: run in `N` tasks at a time (default: the number of CPUs)")
	fs.BoolVar(&o.noPrefix, "no-prefix", false, "with --all: print the output lines without their task")
	fs.BoolVar(&o.stopAtEOF, "stop-at-eof", false, "with --all: read stdin and, when it ends, stop every task's command as Ctrl-C does (kubectl nsj -l keeps its exec's stdin open for this)")
	fs.DurationVar(&o.taskTimeout, "task-timeout", 0, "with --all: end the command in a task after `DURATION` (SIGTERM to its processes, SIGKILL 2s later), reported as timed out (0: no limit)")
	fs.BoolVar(&o.sandbox, "sandbox", false, "with a pod target: join the pod's sandbox (network, IPC, UTS; pid if shared), even if its containers crashed")
	fs.BoolVar(&o.pods, "pods", false, "with --list: Kubernetes pods and their containers, with task, PID, status and network namespace")
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "with --list or --all: every containerd namespace (also without -n)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "with --list: one reference a line: the task's ID (NAMESPACE/ID when every namespace is listed); with --list --pods: k8s://NAMESPACE/POD/CONTAINER")
	fs.StringVarP(&o.output, "output", "o", "table", "with --list or --all: `FORMAT` table or json (--all: a JSON record per line)")
	fs.BoolVar(&o.debug, "debug", false, "log each step on stderr, the constructor's too (the joining, mounts and exec that run after nsj's Go side hands over); --log-level debug shows only the Go side's")
	fs.StringVar(&o.logLevel, "log-level", "info", "`LEVEL` of diagnostics on stderr: trace, debug, info, warn, error, fatal or panic; error hides the warnings")
	fs.BoolVar(&o.version, "version", false, "print version information")
	fs.StringVar(&o.completion, "completion", "", "print the completion script for `SHELL` (bash, zsh or fish)")
	fs.BoolVar(&o.complete, "complete", false, "list completions for the words after --")
	fs.MarkHidden("complete")
	fs.BoolVarP(&o.help, "help", "h", false, "print this help")
	flagswitch.Show(fs)
	return fs
}

func printUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprint(w, usageHead)
	fmt.Fprint(w, fs.FlagUsagesWrapped(80))
	fmt.Fprint(w, usageExamples)
}

// parseArgs parses argv (without the program name) into options, works
// out the mode once and validates the mode's flags.
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
	o.given = givenFlags(fs, args)
	rest := fs.Args()
	if o.takesTarget() && len(rest) > 0 {
		o.target, rest = rest[0], rest[1:]
	}
	o.command = rest
	o.mode = decideMode(o)
	return o, o.validate(fs)
}

// givenFlags maps each flag the command line gave to its name as a message
// shows it: as args wrote it (--quiet), else by its shorthand (-q).
func givenFlags(fs *pflag.FlagSet, args []string) map[string]string {
	given := map[string]string{}
	fs.Visit(func(f *pflag.Flag) {
		given[f.Name] = "--" + f.Name
		if f.Shorthand != "" && !writtenLong(args, f.Name) {
			given[f.Name] = "-" + f.Shorthand
		}
	})
	return given
}

// writtenLong says whether args give flag name as --name or --name=VALUE.
func writtenLong(args []string, name string) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--"+name || strings.HasPrefix(a, "--"+name+"=") {
			return true
		}
	}
	return false
}
