package main

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/base/exit"
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
		{"with --list", []string{"--all", "--list"}, "--all goes with --all, not --list: drop --all"},
		{"with --inspect", []string{"--inspect", "--all", "t1"}, "--inspect goes with --inspect TASK or --inspect pod/NAME, not --all: drop --inspect"},
		{"with a PID", []string{"--all", "-t", "42", "ps"}, "-t goes with nsj -t PID, not --all: drop -t"},
		{"selector without --all", []string{"--selector", "app=web", "t1", "ps"}, "--selector goes with --all, not nsj TASK"},
		{"pod namespace without --all", []string{"--pod-namespace", "shop", "t1"}, "--pod-namespace goes with nsj pod/NAME, --inspect pod/NAME, --list --pods or --all, not nsj TASK"},
		{"jobs without --all", []string{"-j", "2", "t1"}, "-j goes with --all, not nsj TASK"},
		{"no-prefix without --all", []string{"--no-prefix", "t1"}, "--no-prefix goes with --all, not nsj TASK"},
		{"stop-at-eof without --all", []string{"--stop-at-eof", "t1"}, "--stop-at-eof goes with --all, not nsj TASK"},
		{"negative jobs", []string{"--all", "-j", "-1", "true"}, "-j -1"},
		{"no jobs", []string{"--all", "-j", "0", "true"}, "-j 0: run at least one task at a time"},
		{"selector that is none", []string{"--all", "--selector", "app web", "true"}, `--selector: not a label selector: "app web": "web" after label "app"; write KEY=VALUE, KEY!=VALUE`},
		{"selector with >", []string{"--all", "--selector", "replicas>1", "true"}, `< and > compare numbers in node affinity only`},
		{"quiet", []string{"--all", "-q", "true"}, "-q goes with --list or --list --pods, not --all"},
		{"output xml", []string{"--all", "-o", "xml", "true"}, `--output "xml"`},
		{"json without prefixes", []string{"--all", "-o", "json", "--no-prefix", "true"}, "--no-prefix is for text output"},
		{"bad env", []string{"--all", "-e", "=x", "true"}, `-e "=x"`},
		{"task timeout without --all", []string{"--task-timeout", "2s", "t1", "true"}, "--task-timeout goes with --all, not nsj TASK: drop --task-timeout; to limit a single command use timeout(1)"},
		{"negative task timeout", []string{"--all", "--task-timeout", "-2s", "true"}, "--task-timeout -2s: give each task a positive time"},
		{"task timeout that is no duration", []string{"--all", "--task-timeout", "soon", "true"}, `"soon"`},
		{"task timeout with a pod", []string{"--task-timeout", "2s", "pod/web", "true"}, "--task-timeout goes with --all, not nsj pod/NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.args)
			var ee *exit.Error
			if !errors.As(err, &ee) || ee.Code != exitFailure {
				t.Fatalf("parseArgs(%q) = %+v, %v; want an error with code %d", tt.args, o, err, exitFailure)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
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
	// The same name on two containerds: each led by its socket (issue 21 item 2).
	dup := []runtime.Target{{Namespace: "k8s.io", ID: "dup", Socket: "/a.sock"}, {Namespace: "k8s.io", ID: "dup", Socket: "/b.sock"},
		{Namespace: "k8s.io", ID: "one", Socket: "/b.sock"}}
	if got := taskNames(dup, true); !slices.Equal(got, []string{"/a.sock k8s.io/dup", "/b.sock k8s.io/dup", "k8s.io/one"}) {
		t.Errorf("a name on two containerds: %q", got)
	}
}
