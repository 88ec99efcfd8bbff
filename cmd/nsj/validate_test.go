package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/exit"
	"github.com/nsj-dev/nsj/internal/plan"
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
		{[]string{"--version", "--list"}, modeVersion},
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

// Flags a mode would ignore are refused, with what to drop.
func TestFlagsAModeWouldIgnoreAreRejected(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-q", "t1", "ps"}, "-q goes with --list, not a join: drop -q"},
		{[]string{"-o", "json", "t1"}, "-o goes with --list or --all, not a join: drop -o"},
		{[]string{"-o", "table", "-t", "42"}, "-o goes with --list or --all, not a join: drop -o"},
		{[]string{"-A", "-t", "42"}, "-A goes with --list or --all, not a join: drop -A"},
		{[]string{"--all-namespaces", "pod/web", "ps"}, "-A goes with --list or --all, not a join: drop -A"},
		{[]string{"-q", "--inspect", "t1"}, "-q goes with --list, not --inspect: drop -q"},
		{[]string{"--inspect", "-o", "json", "pod/web"}, "-o goes with --list or --all, not --inspect: drop -o"},
		{[]string{"--list", "--sysfs"}, "--sysfs goes with a join, not --list: drop --sysfs"},
		{[]string{"--list", "-e", "A=1"}, "-e goes with a join, not --list: drop -e"},
		{[]string{"--list", "--ns", "net"}, "--ns goes with a join, not --list: drop --ns"},
		{[]string{"--list", "--fs", "host"}, "--fs goes with a join, not --list: drop --fs"},
		{[]string{"--list", "--pods", "--fs", "container"}, "--fs goes with a join, not --list: drop --fs"},
		{[]string{"--list", "-w", "/tmp"}, "-w goes with a join, not --list: drop -w"},
		{[]string{"-e", "_NSJ_JOIN_REQUEST=3", "t1"}, `-e "_NSJ_JOIN_REQUEST=3": names starting with _NSJ_ are nsj's own`},
		{[]string{"-e", "_NSJ_TEST_STOP_AT", "-t", "42"}, `-e "_NSJ_TEST_STOP_AT": names starting with _NSJ_`},
		{[]string{"--all", "-e", "_NSJ_X=1", "true"}, `-e "_NSJ_X=1"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) { wantUsageError(t, tt.args, tt.want) })
	}
}

// --task-timeout (--all's) is refused by every other mode; the flag itself
// comes with the --all runner.
func TestTaskTimeoutGoesWithAllOnly(t *testing.T) {
	for _, m := range []mode{modeJoinTask, modeJoinPID, modeList, modeInspect} {
		o := &options{mode: m, target: "t1", targetPID: 0, output: "table", fs: plan.FSHost, timeout: 1,
			given: map[string]string{"task-timeout": "--task-timeout"}}
		if m == modeJoinPID {
			o.targetPID, o.target = 42, ""
		}
		if m == modeList {
			o.list, o.target = true, ""
		}
		err := o.validate()
		if err == nil || !strings.Contains(err.Error(), "--task-timeout goes with --all, not") {
			t.Errorf("%v: %v, want --task-timeout refused", m, err)
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
