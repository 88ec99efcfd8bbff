package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/sirupsen/logrus"
)

func TestDecideModeOnce(t *testing.T) {
	tests := []struct {
		args []string
		want mode
	}{
		{[]string{"t1", "ps"}, modeJoinTask},
		{[]string{"-t", "42"}, modeJoinPID},
		{[]string{"pod/web", "ps"}, modeJoinPod},
		{[]string{"--sandbox", "k8s://shop/web"}, modeJoinPod},
		{[]string{"--list"}, modeList},
		{[]string{"--list", "--pods"}, modeListPods},
		{[]string{"--inspect", "t1"}, modeInspect},
		{[]string{"--inspect", "pod/web"}, modeInspectPod},
		{[]string{"--all", "--", "true"}, modeAll},
		{[]string{"--completion", "bash"}, modeCompletion},
		{[]string{"--complete", "--", "-n"}, modeComplete},
		{[]string{"--version"}, modeVersion},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			o, err := parseArgs(tt.args)
			if err != nil {
				t.Fatalf("parseArgs: %v", err)
			}
			if o.mode != tt.want {
				t.Errorf("mode %v, want %v", o.mode, tt.want)
			}
		})
	}
}

// Flags a mode would ignore are refused, with what to drop (issue 21 item
// 3: each of these was accepted and ignored).
func TestFlagsAModeWouldIgnoreAreRejected(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--inspect", "--sysfs", "t1"}, "--sysfs goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --inspect TASK: drop --sysfs"},
		{[]string{"--inspect", "-e", "A=1", "t1"}, "-e goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --inspect TASK: drop -e"},
		{[]string{"--inspect", "--ns", "net", "t1"}, "--ns goes with"},
		{[]string{"--inspect", "-w", "/tmp", "t1"}, "-w goes with"},
		{[]string{"--inspect", "--fs", "container", "t1"}, "--fs goes with"},
		{[]string{"--inspect", "--fs", "container", "--privileged", "t1"}, "--fs goes with"},
		{[]string{"--inspect", "--root-at", "/nsj-ctr", "pod/web"}, "--root-at goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --inspect pod/NAME"},
		{[]string{"--inspect", "--ns", "user", "--preserve-credentials", "t1"}, "--ns goes with"},
		{[]string{"--list", "-A", "-n", "k8s.io"}, "-A takes every containerd namespace, -n k8s.io one; give one of them"},
		{[]string{"--all", "--all-namespaces", "-n", "k8s.io", "--", "true"}, "-A takes every containerd namespace, -n k8s.io one"},
		{[]string{"-j", "0", "t1", "ps"}, "-j goes with --all, not nsj TASK: drop -j"},
		{[]string{"-j", "0", "--list"}, "-j goes with --all, not --list: drop -j"},
		{[]string{"--timeout", "1s", "-t", "42"}, "--timeout goes with"},
		{[]string{"-n", "default", "k8s.io/3f2a"}, `"k8s.io/3f2a" names containerd namespace "k8s.io", -n "default"; give one of them`},
		{[]string{"-n", "default", "--inspect", "k8s.io/3f2a"}, `names containerd namespace "k8s.io", -n "default"`},
		{[]string{"--list", "-q", "-o", "json"}, "-q prints the references only, -o the whole list"},
		{[]string{"-q", "t1", "ps"}, "-q goes with --list or --list --pods, not nsj TASK: drop -q"},
		{[]string{"-o", "table", "-t", "42"}, "-o goes with --list, --list --pods or --all, not nsj -t PID: drop -o"},
		{[]string{"--list", "--pods", "--fs", "container"}, "--fs goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --list --pods: drop --fs"},
		{[]string{"--version", "t1"}, `--version takes no arguments, got "t1"`},
		{[]string{"--completion", "bash", "zsh"}, `--completion SHELL takes no arguments, got "zsh"`},
		{[]string{"-e", "_NSJ_JOIN_REQUEST=3", "t1"}, `-e "_NSJ_JOIN_REQUEST=3": names starting with _NSJ_ are nsj's own`},
		{[]string{"-e", "_NSJ_TEST_STOP_AT", "-t", "42"}, `-e "_NSJ_TEST_STOP_AT": names starting with _NSJ_`},
		{[]string{"--all", "-e", "_NSJ_X=1", "true"}, `-e "_NSJ_X=1"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) { wantUsageError(t, tt.args, tt.want) })
	}
}

// What the table takes goes through: the same namespace twice, -n with
// NAMESPACE/ID, is no conflict.
func TestAgreeingFlagsAreTaken(t *testing.T) {
	for _, args := range [][]string{
		{"-n", "k8s.io", "k8s.io/3f2a", "ps"},
		{"--list", "-A"},
		{"--all", "-A", "-j", "1", "--", "true"},
		{"--list", "--pods", "-q"},
	} {
		if _, err := parseArgs(args); err != nil {
			t.Errorf("nsj %s: %v", strings.Join(args, " "), err)
		}
	}
}

// The --log-level message names every level logrus accepts.
func TestLogLevelMessageNamesEveryLevel(t *testing.T) {
	err := setupLogging(&options{logLevel: "loud"})
	if err == nil {
		t.Fatal("--log-level loud accepted")
	}
	for _, l := range logrus.AllLevels {
		name := strings.TrimSuffix(l.String(), "ing") // warning: warn
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%q does not name level %q", err, name)
		}
		if _, perr := logrus.ParseLevel(name); perr != nil {
			t.Errorf("level %q named in the message is not accepted: %v", name, perr)
		}
	}
	logrus.SetLevel(logrus.InfoLevel)
}

// wantUsageError checks that parseArgs refuses args with exit code 125 and
// a message that says want.
func wantUsageError(t *testing.T, args []string, want string) {
	t.Helper()
	_, err := parseArgs(args)
	var ee *exit.Error
	if !errors.As(err, &ee) || ee.Code != exitFailure || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want exit %d and %q", err, exitFailure, want)
	}
}
