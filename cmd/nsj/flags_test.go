package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/base/exit"
)

func TestParseArgsSplitsTargetAndCommand(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		target  string
		pid     int
		command []string
		check   func(*options) string // "" when o is as expected
	}{
		{name: "task and command", args: []string{"t1", "ps", "-ef"}, target: "t1", command: []string{"ps", "-ef"}},
		{
			name: "flags after the target belong to the command",
			args: []string{"-n", "k8s.io", "t1", "tcpdump", "-i", "any", "-nvv"}, target: "t1",
			command: []string{"tcpdump", "-i", "any", "-nvv"},
			check:   func(o *options) string { return want(o.namespace == "k8s.io", "namespace %q", o.namespace) },
		},
		{
			name: "nsj flags after the target are the command's too",
			args: []string{"t1", "--list", "-t", "4", "--ns", "net"}, target: "t1",
			command: []string{"--list", "-t", "4", "--ns", "net"},
			check:   func(o *options) string { return want(!o.list && o.targetPID == 0 && o.ns == nil, "%+v", o) },
		},
		{name: "ls is a task id", args: []string{"ls"}, target: "ls"},
		{name: "list is a task id", args: []string{"list"}, target: "list"},
		{name: "task without command", args: []string{"3f2a"}, target: "3f2a"},
		{name: "target pid and command", args: []string{"-t", "42", "ip", "a"}, pid: 42, command: []string{"ip", "a"}},
		{name: "long target pid", args: []string{"--target-pid=42", "--ns", "net,uts", "ip", "-o", "link"}, pid: 42,
			command: []string{"ip", "-o", "link"},
			check:   func(o *options) string { return want(slices.Equal(o.ns, []string{"net", "uts"}), "ns %q", o.ns) },
		},
		{name: "target pid without command", args: []string{"-t", "42"}, pid: 42},
		{
			name: "list every namespace as json", args: []string{"--list", "-A", "-o", "json"},
			check: func(o *options) string {
				return want(o.list && o.allNamespaces && o.output == "json", "list %v all %v output %q", o.list, o.allNamespaces, o.output)
			},
		},
		{name: "list quietly", args: []string{"--list", "-q", "-n", "k8s.io"},
			check: func(o *options) string { return want(o.list && o.quiet && o.output == "table", "%+v", o) }},
		{
			name: "inspect a task", args: []string{"--inspect", "t1"}, target: "t1",
			check: func(o *options) string { return want(o.inspect, "inspect not set") },
		},
		{
			name: "every join flag", args: []string{"-a", "/run/c.sock", "-n", "moby", "--timeout", "2s", "--sysfs", "-w", "/tmp", "-e", "A=1", "-e", "B", "--debug", "t1", "sh"},
			target: "t1", command: []string{"sh"},
			check: func(o *options) string {
				return want(o.address == "/run/c.sock" && o.namespace == "moby" && o.timeout.String() == "2s" && o.sysfs &&
					o.dir == "/tmp" && slices.Equal(o.env, []string{"A=1", "B"}) && o.debug, "%+v", o)
			},
		},
		{name: "env with commas is one entry", args: []string{"-e", "L=a,b", "t1"}, target: "t1",
			check: func(o *options) string { return want(slices.Equal(o.env, []string{"L=a,b"}), "env %q", o.env) }},
		{name: "double dash ends the flags", args: []string{"--", "-t1", "ps"}, target: "-t1", command: []string{"ps"}},
		{name: "version needs no target", args: []string{"--version"},
			check: func(o *options) string { return want(o.version, "version not set") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.args)
			if err != nil {
				t.Fatalf("parseArgs(%q): %v", tt.args, err)
			}
			if o.target != tt.target || o.targetPID != tt.pid {
				t.Errorf("target %q, PID %d; want %q, %d", o.target, o.targetPID, tt.target, tt.pid)
			}
			if len(o.command) != 0 || len(tt.command) != 0 {
				if !slices.Equal(o.command, tt.command) {
					t.Errorf("command %q, want %q", o.command, tt.command)
				}
			}
			if tt.check != nil {
				if msg := tt.check(o); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func want(ok bool, format string, args ...any) string {
	if ok {
		return ""
	}
	return "unexpected options: " + fmt.Sprintf(format, args...)
}

func TestParseArgsRejectsMisuseWithCode125(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string // part of the message
	}{
		{"unknown flag", []string{"--frobnicate", "t1"}, "unknown flag"},
		{"unknown shorthand", []string{"-Z", "t1"}, "unknown shorthand"},
		{"flag missing its value", []string{"-n"}, "needs an argument"},
		{"long flag missing its value", []string{"--namespace"}, "needs an argument"},
		{"output xml", []string{"--list", "--output", "xml"}, "--output \"xml\""},
		{"output xml when joining", []string{"-o", "xml", "t1"}, "-o goes with --list, --list --pods or --all, not nsj TASK"},
		{"list with a task", []string{"--list", "t1"}, "--list takes no arguments"},
		{"list with a PID", []string{"--list", "-t", "42"}, "-t goes with nsj -t PID, not --list"},
		{"list and inspect", []string{"--list", "--inspect"}, "--inspect goes with --inspect TASK or --inspect pod/NAME, not --list"},
		{"inspect alone", []string{"--inspect"}, "--inspect needs a TASK"},
		{"inspect with a command", []string{"--inspect", "t1", "ps"}, "--inspect takes one TASK"},
		{"no target at all", nil, "no target"},
		{"flags but no target", []string{"-n", "k8s.io"}, "no target"},
		{"negative PID", []string{"-t", "-5"}, "--target-pid -5"},
		{"PID zero", []string{"-t", "0", "ps"}, "--target-pid 0"},
		{"PID that is not a number", []string{"-t", "abc", "ps"}, "invalid argument"},
		{"PID with a containerd namespace", []string{"-t", "42", "-n", "x"}, "not nsj -t PID: drop -n"},
		{"PID with a containerd address", []string{"-a", "/s", "-t", "42", "ip", "a"}, "not nsj -t PID: drop -a"},
		{"env starting with =", []string{"-e", "=x", "t1"}, "-e \"=x\""},
		{"empty env", []string{"-e", "", "t1"}, "KEY=VALUE or KEY"},
		{"bad timeout", []string{"--timeout", "soon", "t1"}, "invalid argument"},
		{"zero timeout", []string{"--timeout", "0s", "t1"}, "--timeout 0s: give containerd a positive time"},
		{"negative timeout", []string{"--timeout=-1s", "t1"}, "--timeout -1s"},
		{"value for a bool flag", []string{"--sysfs=maybe", "t1"}, "invalid argument"},
		{"preserve-credentials without --ns", []string{"--preserve-credentials", "t1"}, "--preserve-credentials keeps nsj's credentials"},
		{"preserve-credentials without user", []string{"--preserve-credentials", "--ns", "net,pid", "t1"}, "add user to --ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.args)
			if err == nil {
				t.Fatalf("parseArgs(%q) = %+v, want an error", tt.args, o)
			}
			var ee *exit.Error
			if !errors.As(err, &ee) || ee.Code != exitFailure {
				t.Errorf("parseArgs(%q) = %v (%T), want an exit.Error with code %d", tt.args, err, err, exitFailure)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}
