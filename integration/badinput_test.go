package integration

import (
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// Defence 7: bad input. Each invocation below is wrong in one way (or, where
// code is 0, only looks wrong): nsj answers with one line on stderr and the
// documented exit code (125 nsj, 126 cannot execute, 127 not found), or runs
// the command as asked, and leaves the host as it was: the same mount tables
// and no process left behind.

// badEnv is what the cases run against.
type badEnv struct {
	c          *harness.Containerd
	task       *harness.Task
	pid        string // an unshare target
	garbage    string // a socket that answers junk
	hung       string // a socket that accepts and never answers
	dir        string // scratch directory
	commaDir   string // an existing directory whose name has a comma
	notExecDir string // holds a script without execute permission
	mark       string // of the current case: see hostState
}

func (e *badEnv) on(args ...string) []string {
	return append([]string{"-a", e.c.Address, "-n", e.task.Namespace, e.task.ID}, args...)
}

func (e *badEnv) pidArgs(args ...string) []string { return append([]string{"-t", e.pid}, args...) }

// badCase is one invocation: args for nsj; run, when set, starts it another
// way (as nobody, in a private mount namespace, stopped halfway). want (in
// the line on stderr) and stdout (with code 0) may name {dir}, {comma},
// {garbage} and {task} of the badEnv.
type badCase struct {
	name   string
	args   func(e *badEnv) []string
	run    func(t *testing.T, e *badEnv, args []string) harness.Result
	code   int
	want   string
	stdout string
}

func badCases() []badCase {
	return append(append(flagCases(), targetCases()...), environmentCases()...)
}

func flagCases() []badCase {
	return []badCase{
		{name: "unknown flag", args: func(e *badEnv) []string { return e.pidArgs("--bogus", "true") }, code: 125, want: "unknown flag: --bogus"},
		{name: "PID not a number", args: func(e *badEnv) []string { return []string{"-t", "abc", "true"} }, code: 125, want: `invalid argument "abc"`},
		{name: "PID zero", args: func(e *badEnv) []string { return []string{"-t", "0", "true"} }, code: 125, want: "a PID is a positive number"},
		{name: "PID negative", args: func(e *badEnv) []string { return []string{"--target-pid=-5", "true"} }, code: 125, want: "a PID is a positive number"},
		{name: "no such PID", args: func(e *badEnv) []string { return []string{"-t", "999999999", "true"} }, code: 125, want: "no process with PID 999999999"},
		{name: "no target", args: func(e *badEnv) []string { return nil }, code: 125, want: "no target"},
		{name: "unknown namespace type", args: func(e *badEnv) []string { return e.pidArgs("--ns", "net,bogus", "true") }, code: 125, want: `--ns "bogus": unknown namespace type`},
		{name: "mount namespace", args: func(e *badEnv) []string { return e.pidArgs("--ns", "mnt", "true") }, code: 125, want: "--ns mnt"},
		{name: "empty namespace type", args: func(e *badEnv) []string { return e.pidArgs("--ns", "net,", "true") }, code: 125, want: `--ns "": unknown namespace type`},
		{name: "namespace list with a quote", args: func(e *badEnv) []string { return e.pidArgs("--ns", `net,"pid`, "true") }, code: 125, want: "--ns"},
		{name: "bad log level", args: func(e *badEnv) []string { return e.pidArgs("--log-level", "loud", "true") }, code: 125, want: `--log-level "loud"`},
		{name: "bad timeout", args: func(e *badEnv) []string { return append([]string{"--timeout", "soon"}, e.on("true")...) }, code: 125, want: `invalid argument "soon"`},
		{name: "zero timeout", args: func(e *badEnv) []string { return append([]string{"--timeout", "0s"}, e.on("true")...) }, code: 125, want: "--timeout 0s"},
		{name: "list with a target", args: func(e *badEnv) []string { return []string{"--list", "-t", e.pid} }, code: 125, want: "-t goes with nsj -t PID, not --list: drop -t"},
		{name: "bad output format", args: func(e *badEnv) []string { return []string{"-a", e.c.Address, "--list", "-o", "xml"} }, code: 125, want: `--output "xml"`},
		{name: "inspect without a task", args: func(e *badEnv) []string { return []string{"--inspect"} }, code: 125, want: "--inspect needs a TASK"},
		{name: "environment without a key", args: func(e *badEnv) []string { return e.pidArgs("-e", "=x", "true") }, code: 125, want: `-e "=x"`},
		{name: "empty environment entry", args: func(e *badEnv) []string { return e.pidArgs("-e", "", "true") }, code: 125, want: `-e ""`},
		{name: "PID and containerd address", args: func(e *badEnv) []string { return []string{"-t", e.pid, "-a", e.c.Address, "true"} }, code: 125, want: "-a goes with nsj TASK, nsj pod/NAME, --list, --list --pods, --inspect TASK, --inspect pod/NAME or --all, not nsj -t PID: drop -a"},
	}
}

func targetCases() []badCase {
	return []badCase{
		{name: "empty task", args: func(e *badEnv) []string { return []string{"-a", e.c.Address, "", "true"} }, code: 125, want: "no target"},
		{name: "task with a newline", args: func(e *badEnv) []string { return []string{"-a", e.c.Address, "web\n1", "true"} }, code: 125, want: `"web\n1" is not a container ID`},
		{name: "task with a comma", args: func(e *badEnv) []string { return []string{"-a", e.c.Address, "web,1", "true"} }, code: 125, want: `"web,1" is not a container ID`},
		{name: "no such task", args: func(e *badEnv) []string { return []string{"-a", e.c.Address, "-n", e.task.Namespace, "nope", "true"} }, code: 125, want: `no task "nope"`},
		{name: "bad namespace in the reference", args: func(e *badEnv) []string { return []string{"-a", e.c.Address, "a b/" + e.task.ID, "true"} }, code: 125, want: `"a b" is not a containerd namespace`},
		{name: "directory with a newline", args: func(e *badEnv) []string { return e.pidArgs("-w", "/no/such\ndir", "true") }, code: 125, want: `changing to directory /no/such\ndir`},
		{name: "directory that is a file", args: func(e *badEnv) []string { return e.pidArgs("-w", "/etc/hostname", "true") }, code: 125, want: "changing to directory /etc/hostname: Not a directory"},
		{name: "directory with a comma", args: func(e *badEnv) []string { return e.pidArgs("-w", e.commaDir, "pwd") }, stdout: "{comma}\n"},
		{name: "command path with a newline", args: func(e *badEnv) []string { return e.pidArgs("/no/such\nbin") }, code: 127, want: `/no/such\nbin: no such file`},
		{name: "command is a directory", args: func(e *badEnv) []string { return e.pidArgs(e.dir) }, code: 126, want: "{dir}: Permission denied"},
		{name: "command not executable", args: func(e *badEnv) []string { return e.pidArgs(e.notExecDir + "/script") }, code: 126, want: "noexec/script: Permission denied"},
		{name: "command not in PATH", args: func(e *badEnv) []string { return e.pidArgs("no-such-command-nsj") }, code: 127, want: "command not found"},
		{name: "empty command", args: func(e *badEnv) []string { return e.pidArgs("") }, code: 127, want: "empty command name"},
		{name: "1 MiB of arguments", args: func(e *badEnv) []string {
			return e.pidArgs(append([]string{"sh", "-c", `echo $# ${#1}`, "sh"}, bigArgs(8, 128<<10-1)...)...)
		}, stdout: "8 131071\n"},
		{name: "100,000 arguments", args: func(e *badEnv) []string {
			return e.pidArgs(append([]string{"sh", "-c", `echo $#`, "sh"}, bigArgs(100000, 1)...)...)
		}, stdout: "100000\n"},
		{name: "arguments at the limit of exec", run: runAtExecLimit, stdout: ""},
		{name: "socket that answers garbage", args: func(e *badEnv) []string { return []string{"-a", e.garbage, "--timeout", "2s", "x", "true"} }, code: 125, want: "{garbage}"},
		{name: "containerd that hangs", args: func(e *badEnv) []string { return []string{"-a", e.hung, "--timeout", "1s", "x", "true"} }, code: 125, want: "did not answer within 1s"},
		{name: "socket that is a directory", args: func(e *badEnv) []string { return []string{"-a", e.dir, "x", "true"} }, code: 125, want: "{dir}"},
		{name: "socket path with a newline and a comma", args: func(e *badEnv) []string { return []string{"-a", "/no/such,\nsock", "x", "true"} }, code: 125, want: `/no/such,\nsock`},
	}
}

func environmentCases() []badCase {
	return []badCase{
		{name: "target exits mid-join", run: runTargetExitingMidJoin, code: 125, want: "the target exited"},
		{name: "not root", args: func(e *badEnv) []string { return e.pidArgs("true") }, run: runAsNobody, code: 125, want: "needs root"},
		{name: "read-only /run", args: func(e *badEnv) []string { return e.on("hostname") }, run: inPrivateMounts("mount --bind -o ro /run /run"), stdout: "{task}\n"},
		{name: "read-only /tmp and /run", args: func(e *badEnv) []string { return e.pidArgs("hostname") }, run: inPrivateMounts("mount --bind -o ro /run /run && mount --bind -o ro /tmp /tmp"), stdout: "nsj-target\n"},
		{name: "namespace files hidden", args: func(e *badEnv) []string { return e.pidArgs("true") }, run: inPrivateMounts("mount -t tmpfs none /proc/$PID/ns"), code: 125, want: "something hides it"},
		{name: "join request variable not a number", args: func(e *badEnv) []string { return []string{"true"} }, run: withEnv("_NSJ_JOIN_REQUEST=x"), code: 125, want: "internal error: bad _NSJ_JOIN_REQUEST=x"},
		{name: "join request on a closed fd", args: func(e *badEnv) []string { return []string{"true"} }, run: withEnv("_NSJ_JOIN_REQUEST=99"), code: 125, want: "reading the join request"},
		{name: "join request of junk", args: func(e *badEnv) []string { return []string{"true"} }, run: withJunkRequest, code: 125, want: "invalid join request"},
		{name: "forged join request in a file", args: func(e *badEnv) []string { return []string{"true"} }, run: withForgedRequest(regular), code: 125, want: "fd 3 is not nsj's sealed join request"},
		{name: "forged join request in an unsealed memfd", args: func(e *badEnv) []string { return []string{"true"} }, run: withForgedRequest(unsealed), code: 125, want: "fd 3 is not nsj's sealed join request"},
	}
}

func bigArgs(n, size int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strings.Repeat("a", size)
	}
	return out
}

func TestBadInvocationsFailCleanlyAndChangeNothing(t *testing.T) {
	e := newBadEnv(t)
	cases := badCases()
	if len(cases) < 30 {
		t.Fatalf("%d cases; the issue asks for at least 30", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			if tc.args != nil {
				args = tc.args(e)
			}
			run := tc.run
			if run == nil {
				run = runPlain
			}
			before := hostState(t)
			e.mark = before.mark
			r := run(t, e, args)
			t.Logf("exit %d, stderr: %s", r.Code, r.Stderr)
			if tc.code == 0 {
				if want := e.expand(tc.stdout); r.OK(t) != want {
					t.Errorf("stdout %q, want %q", r.Stdout, want)
				}
			} else {
				r.Fails(t, tc.code, e.expand(tc.want))
			}
			hostUnchanged(t, before)
		})
	}
}
