package main

import (
	"bytes"
	"fmt"
	"github.com/nsj-dev/nsj/internal/kubeplugin"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgsFollowsKubectlExec(t *testing.T) {
	tests := []struct {
		args []string
		want Options
	}{
		{[]string{"web", "--", "tcpdump", "-i", "any"}, Options{Pod: "web", Command: []string{"tcpdump", "-i", "any"}}},
		{[]string{"-n", "shop", "web", "-c", "app", "--", "ss", "-tlnp"}, Options{Namespace: "shop", Pod: "web", Container: "app", Command: []string{"ss", "-tlnp"}}},
		{[]string{"web", "-n", "shop", "-c", "app"}, Options{Namespace: "shop", Pod: "web", Container: "app"}},
		{[]string{"pod/web", "--", "ps"}, Options{Pod: "web", Command: []string{"ps"}}},
		{[]string{"pods/web"}, Options{Pod: "web"}},
		{[]string{"-it", "web"}, Options{Pod: "web", Stdin: true, TTY: true, StdinSet: true, TTYSet: true}},
		{[]string{"--tty=false", "web"}, Options{Pod: "web", TTYSet: true}},
		{[]string{"--kubeconfig", "/k", "--context", "prod", "web"}, Options{Kubeconfig: "/k", Context: "prod", Pod: "web"}},
		{[]string{"--agent-namespace", "debug", "--debug", "web"}, Options{AgentNamespace: "debug", Debug: true, Pod: "web"}},
		{[]string{"web", "--", "sh", "-c", "echo -- -n x"}, Options{Pod: "web", Command: []string{"sh", "-c", "echo -- -n x"}}},
		{[]string{"--help"}, Options{Help: true}},
		{[]string{"--version"}, Options{Version: true}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := ParseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.AgentNamespace == "" {
				tt.want.AgentNamespace = kubeplugin.AgentNamespace
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseArgsRejectsWhatKubectlExecRejects(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no pod named; usage: kubectl nsj [-n NAMESPACE] POD"},
		{[]string{"--", "ps"}, "no pod named"},
		{[]string{"web", "ps", "aux"}, `"ps aux" after the pod: the command must follow "--"; run kubectl nsj web -- ps aux`},
		// Every word is kept, also those taken for the plugin's flags.
		{[]string{"web", "tcpdump", "-i", "any"}, `"tcpdump -i any" after the pod: the command must follow "--"; run kubectl nsj web -- tcpdump -i any`},
		{[]string{"-n", "shop", "web", "-c", "app", "tcpdump", "-i", "any"}, `run kubectl nsj -n shop web -c app -- tcpdump -i any`},
		{[]string{"web", "sh", "-c", "echo hi there"}, `run kubectl nsj web -- sh -c 'echo hi there'`},
		{[]string{"web", "db", "--", "ps"}, `"web db": kubectl nsj joins one pod at a time`},
		{[]string{"deploy/web"}, `"deploy/web": not a pod name; name a pod as NAME or pod/NAME`},
		{[]string{"pod/"}, `"pod/": not a pod name`},
		{[]string{"--frobnicate", "web"}, "unknown flag: --frobnicate; see kubectl nsj --help"},
		{[]string{"web", "-c"}, "flag needs an argument"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := ParseArgs(tt.args)
			checkPluginError(t, err, tt.want)
		})
	}
}

func TestInteractiveFollowsTheTerminal(t *testing.T) {
	tests := []struct {
		name                  string
		args                  []string
		stdinTerm, stdoutTerm bool
		stdin, tty            bool
		warns                 bool
	}{
		{"terminal: -it implied", []string{"web"}, true, true, true, true, false},
		{"piped output: no tty", []string{"web"}, true, false, false, false, false},
		{"piped input: no tty", []string{"web"}, false, true, false, false, false},
		{"-i alone stays -i", []string{"-i", "web"}, true, true, true, false, false},
		{"--tty=false wins", []string{"--tty=false", "web"}, true, true, false, false, false},
		{"-t without a terminal is dropped", []string{"-it", "web"}, false, false, true, false, true},
		{"-i from a pipe", []string{"-i", "web"}, false, false, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			stdin, tty, warning := o.Interactive(tt.stdinTerm, tt.stdoutTerm)
			if stdin != tt.stdin || tty != tt.tty || (warning != "") != tt.warns {
				t.Fatalf("stdin %v tty %v warning %q; want stdin %v tty %v warning %v", stdin, tty, warning, tt.stdin, tt.tty, tt.warns)
			}
		})
	}
}

func TestUsageShowsEveryFlagAndExamples(t *testing.T) {
	var b bytes.Buffer
	PrintUsage(&b)
	for _, want := range []string{"kubectl nsj [-n NAMESPACE] POD [-c CONTAINER]", "--namespace", "--container", "--stdin",
		"--tty", "--kubeconfig", "--context", "--agent-namespace", "--debug", "--version", "Examples:", "tcpdump -i any", "Exit status"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

func TestStopSignalsRestoreARawTerminalOnSIGINT(t *testing.T) {
	if got := fmt.Sprint(stopSignals(false)); got != "[terminated hangup]" {
		t.Errorf("without a raw terminal: %s, want TERM and HUP (INT keeps its default)", got)
	}
	if got := fmt.Sprint(stopSignals(true)); got != "[terminated hangup interrupt]" {
		t.Errorf("with a raw terminal: %s, want TERM, HUP and INT", got)
	}
}

// kubectl nsj --help shows its switches as nsj --help does: -i, not
// -i[=true|false] (issue 21 item 7).
func TestUsageShowsSwitchesWithoutAValue(t *testing.T) {
	var b strings.Builder
	PrintUsage(&b)
	if strings.Contains(b.String(), "[=true|false]") {
		t.Errorf("kubectl nsj --help shows [=true|false]:\n%s", b.String())
	}
}

// checkPluginError checks that err is the plugin's own one-line failure
// saying each of want.
func checkPluginError(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !kubeplugin.IsPluginError(err) || kubeplugin.ExitCode(err) != kubeplugin.ExitFailure {
		t.Fatalf("%v: not a plugin error with exit status %d", err, kubeplugin.ExitFailure)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "; ") {
		t.Errorf("%q: not one line of what failed, why and what to do", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%q does not say %q", msg, w)
		}
	}
}
