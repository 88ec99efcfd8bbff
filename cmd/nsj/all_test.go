package main

import (
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/nsj-dev/nsj/runtime"
)

func TestParseArgsAll(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		command []string
		check   func(*options) string
	}{
		{name: "double dash before the command", args: []string{"--all", "--", "hostname"}, command: []string{"hostname"}},
		{name: "no double dash", args: []string{"--all", "ss", "-tln"}, command: []string{"ss", "-tln"}},
		{name: "a command that looks like a flag after --", args: []string{"--all", "--", "-x"}, command: []string{"-x"}},
		{
			name: "every --all flag", command: []string{"ss", "-s"},
			args: []string{"-n", "k8s.io", "--all", "--selector", "app=web", "--selector", "tier=a,b", "--pod-namespace", "shop", "-j", "4", "--no-prefix", "--", "ss", "-s"},
			check: func(o *options) string {
				return want(o.all && o.namespace == "k8s.io" && slices.Equal(o.selectors, []string{"app=web", "tier=a,b"}) &&
					o.podNamespace == "shop" && o.jobs == 4 && o.noPrefix && o.target == "", "%+v", o)
			},
		},
		{name: "every namespace as json", args: []string{"--all", "-A", "-o", "json", "true"}, command: []string{"true"},
			check: func(o *options) string { return want(o.allNamespaces && o.output == "json", "%+v", o) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.args)
			if err != nil {
				t.Fatalf("parseArgs(%q): %v", tt.args, err)
			}
			if !slices.Equal(o.command, tt.command) || o.target != "" {
				t.Errorf("command %q, target %q; want %q and no target", o.command, o.target, tt.command)
			}
			if tt.check != nil {
				if msg := tt.check(o); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func TestParseArgsRejectsMisusedAll(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"no command", []string{"--all"}, "--all needs a COMMAND"},
		{"only a double dash", []string{"--all", "--"}, "--all needs a COMMAND"},
		{"with --list", []string{"--all", "--list"}, "drop --list"},
		{"with --inspect", []string{"--inspect", "--all", "t1"}, "drop --list, --inspect"},
		{"with a PID", []string{"--all", "-t", "42", "ps"}, "and -t"},
		{"selector without --all", []string{"--selector", "app=web", "t1", "ps"}, "go with --all"},
		{"pod namespace without --all", []string{"--pod-namespace", "shop", "t1"}, "go with --all"},
		{"jobs without --all", []string{"-j", "2", "t1"}, "go with --all"},
		{"no-prefix without --all", []string{"--no-prefix", "t1"}, "go with --all"},
		{"stop-at-eof without --all", []string{"--stop-at-eof", "t1"}, "--stop-at-eof go with --all"},
		{"negative jobs", []string{"--all", "-j", "-1", "true"}, "-j -1"},
		{"selector without a value", []string{"--all", "--selector", "app", "true"}, `--selector "app": not KEY=VALUE`},
		{"quiet", []string{"--all", "-q", "true"}, "-q goes with --list"},
		{"output xml", []string{"--all", "-o", "xml", "true"}, `--output "xml"`},
		{"json without prefixes", []string{"--all", "-o", "json", "--no-prefix", "true"}, "--no-prefix is for text output"},
		{"bad env", []string{"--all", "-e", "=x", "true"}, `-e "=x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.args)
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != exitFailure {
				t.Fatalf("parseArgs(%q) = %+v, %v; want an error with code %d", tt.args, o, err, exitFailure)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

// The child nsj gets the caller's join flags and none of --all's.
func TestChildFlagsKeepJoinFlagsOnly(t *testing.T) {
	args := []string{"-a", "/run/c.sock", "-n", "k8s.io", "--all", "-A", "--selector", "app=web", "--pod-namespace", "p",
		"-j", "3", "--no-prefix", "-o", "json", "--ns", "net,pid", "-e", "A=1", "-e", "B=x,y", "-e", "HOME",
		"--sysfs", "--timeout", "2s", "-w", "/tmp", "--debug", "--", "ss", "-s"}
	got, err := childFlags(args)
	if err != nil {
		t.Fatal(err)
	}
	// In the caller's order.
	wantFlags := []string{"--ns=net", "--ns=pid", "--env=A=1", "--env=B=x,y", "--env=HOME", "--sysfs=true",
		"--timeout=2s", "--wd=/tmp", "--debug=true"}
	if !slices.Equal(got, wantFlags) {
		t.Fatalf("childFlags = %q, want %q", got, wantFlags)
	}
	// What the child parses is what the caller asked for.
	child, err := parseArgs(append(got, "-a", "/run/c.sock", "-n", "k8s.io", "--", "t1", "ss", "-s"))
	if err != nil {
		t.Fatal(err)
	}
	caller, _ := parseArgs(args)
	if !slices.Equal(child.ns, caller.ns) || !slices.Equal(child.env, caller.env) || child.sysfs != caller.sysfs ||
		child.timeout != caller.timeout || child.dir != caller.dir || child.debug != caller.debug ||
		child.target != "t1" || !slices.Equal(child.command, caller.command) || child.all {
		t.Fatalf("the child parses %+v from %q", child, got)
	}
}

func TestTaskNames(t *testing.T) {
	k8s := map[string]string{"io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.name": "api", "io.kubernetes.container.name": "server"}
	tasks := []runtime.Target{{Namespace: "default", ID: "web"}, {Namespace: "k8s.io", ID: "3f2a", Labels: k8s}}
	if got := taskNames(tasks, false); !slices.Equal(got, []string{"web", "shop/api/server"}) {
		t.Errorf("one namespace: %q", got)
	}
	if got := taskNames(tasks, true); !slices.Equal(got, []string{"default/web", "shop/api/server"}) {
		t.Errorf("every namespace: %q", got)
	}
}

func TestSummary(t *testing.T) {
	ok := taskResult{name: "ok", status: statusOK}
	failed := func(name string, code int) taskResult {
		return taskResult{name: name, status: statusFailed, code: code}
	}
	many := []taskResult{ok}
	for _, n := range strings.Fields("a b c d e f g h i j k l") {
		many = append(many, failed(n, 1))
	}
	tests := []struct {
		name    string
		results []taskResult
		sig     os.Signal
		want    string
		code    int
	}{
		{"all ok", []taskResult{ok, ok}, nil, "", 0},
		{"failures and a stopped task", []taskResult{ok, failed("a", 2), {name: "b", status: statusStopped, code: 137}, failed("c", 125)}, nil,
			"3 of 4 tasks failed: a (exit 2), b (task stopped), c (exit 125)", 1},
		{"one task", []taskResult{failed("a", 3)}, nil, "1 of 1 task failed: a (exit 3)", 1},
		{"could not start", []taskResult{{name: "a", status: statusFailed, err: errors.New("starting nsj: no memory")}}, nil,
			"1 of 1 task failed: a (starting nsj: no memory)", 1},
		{"many", many, nil, "12 of 13 tasks failed: a (exit 1), b (exit 1), c (exit 1), d (exit 1), e (exit 1), f (exit 1), g (exit 1), h (exit 1), i (exit 1), j (exit 1) and 2 more", 1},
		{"interrupted", []taskResult{ok, failed("a", 130), {name: "b", status: statusNotStarted}}, syscall.SIGINT,
			"interrupted by SIGINT: 2 of 3 tasks failed or did not run: a (exit 130), b (not started)", 130},
		{"interrupted after the last task", []taskResult{ok}, syscall.SIGTERM, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, code := summary(tt.results, tt.sig); got != tt.want || code != tt.code {
				t.Errorf("summary = %q, %d; want %q, %d", got, code, tt.want, tt.code)
			}
		})
	}
}

func TestExpectedTaskRefusesAnotherTask(t *testing.T) {
	found := &runtime.Target{Namespace: "default", ID: "web-2"}
	tests := []struct {
		env  string
		fail bool
	}{{"", false}, {"default/web-2", false}, {"default/web", true}, {"other/web-2", true}}
	for _, tt := range tests {
		t.Setenv(envExpectTask, tt.env)
		if err := expectedTask(found); (err != nil) != tt.fail {
			t.Errorf("%s=%q: expectedTask = %v, want failure %v", envExpectTask, tt.env, err, tt.fail)
		}
	}
}
