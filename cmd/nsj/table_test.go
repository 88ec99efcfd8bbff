package main

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/spf13/pflag"
)

// The table, tested exhaustively: every flag of nsj with every mode. A
// command line of the mode (modeArgs) with the flag added (flagArgs) is
// accepted, in that mode, exactly when the table says the mode takes the
// flag; else it is refused with exit 125 and one line that names the
// flag. A flag that chooses a mode of its own (--version, --list, --all,
// -t, ...) may instead turn the line into a run of that mode, which must
// then take it.

// modeArgs is a command line of each mode that the flags are added to.
var modeArgs = map[mode][]string{
	modeVersion:    {"--version"},
	modeCompletion: {"--completion", "bash"},
	modeComplete:   {"--complete", "--", "-n"},
	modeJoinTask:   {"t1", "ps"},
	modeJoinPID:    {"-t", "42", "ps"},
	modeJoinPod:    {"pod/web", "ps"},
	modeList:       {"--list"},
	modeListPods:   {"--list", "--pods"},
	modeInspect:    {"--inspect", "t1"},
	modeInspectPod: {"--inspect", "pod/web"},
	modeAll:        {"--all", "--", "true"},
}

// flagArgs is flag name given on a command line of mode m, with a value
// that m accepts where it takes the flag, and the flags it needs.
func flagArgs(t *testing.T, name string, m mode) []string {
	switch name {
	case "target-pid":
		return []string{"-t", "42"}
	case "address":
		return []string{"-a", "/run/nsj-test.sock"}
	case "namespace":
		return []string{"-n", "k8s.io"}
	case "timeout":
		return []string{"--timeout", "2s"}
	case "ns":
		return []string{"--ns", "net"}
	case "preserve-credentials":
		return []string{"--preserve-credentials", "--ns", "user"}
	case "wd":
		return []string{"-w", "/tmp"}
	case "fs":
		return []string{"--fs", "host"}
	case "privileged":
		return []string{"--privileged", "--fs", "container"}
	case "root-at":
		if m == modeAll {
			return []string{"--root-at", filepath.Join(t.TempDir(), "ctr"), "-j", "1"}
		}
		return []string{"--root-at", filepath.Join(t.TempDir(), "ctr")}
	case "env":
		return []string{"-e", "A=1"}
	case "forward":
		return []string{"-L", "8080:127.0.0.1:80"}
	case "reverse":
		return []string{"-R", "9000:127.0.0.1:9000"}
	case "selector":
		return []string{"--selector", "app=web"}
	case "pod-namespace":
		return []string{"--pod-namespace", "shop"}
	case "jobs":
		return []string{"-j", "2"}
	case "task-timeout":
		return []string{"--task-timeout", "5s"}
	case "output":
		return []string{"-o", "json"}
	case "log-level":
		return []string{"--log-level", "warn"}
	case "completion":
		return []string{"--completion", "zsh"}
	}
	return []string{"--" + name} // a switch
}

// choosesMode: the flags that make a run of their own mode.
var choosesMode = []string{"version", "completion", "complete", "list", "pods", "all", "inspect", "target-pid"}

func TestEveryFlagWithEveryMode(t *testing.T) {
	var names []string
	newFlagSet(&options{}).VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	for m, base := range modeArgs {
		for _, name := range names {
			if name == "help" {
				continue // -h prints the help, with any flag: TestHelpTakesEveryFlag
			}
			if name == "reverse-stdio" {
				continue // only with -R and no COMMAND: TestForwardFlags
			}
			add := flagArgs(t, name, m)
			args := append(slices.Clone(add), base...)
			t.Run(m.String()+"/"+name, func(t *testing.T) { checkCombination(t, m, name, add, args) })
		}
	}
}

// checkCombination checks one command line, args: base of mode m with
// flag name added as add.
func checkCombination(t *testing.T, m mode, name string, add, args []string) {
	o, err := parseArgs(args)
	if takes(m, name) {
		if err != nil || o.mode != m {
			t.Fatalf("nsj %s: the table says %v takes --%s; got mode %v, error %v", strings.Join(args, " "), m, name, modeOf(o), err)
		}
		return
	}
	if err == nil {
		if slices.Contains(choosesMode, name) && o.mode != m && takes(o.mode, name) {
			return // the flag made a run of its own mode, which takes it
		}
		t.Fatalf("nsj %s: accepted as %v, but %v does not take --%s", strings.Join(args, " "), o.mode, m, name)
	}
	var ee *exit.Error
	msg := err.Error()
	if !errors.As(err, &ee) || ee.Code != exitFailure || strings.Contains(msg, "\n") {
		t.Fatalf("nsj %s: %v, want one line and exit %d", strings.Join(args, " "), err, exitFailure)
	}
	if !slices.ContainsFunc(add, func(w string) bool { return strings.HasPrefix(w, "-") && strings.Contains(msg, w) }) {
		t.Errorf("nsj %s: %q does not name the flag %s", strings.Join(args, " "), msg, add[0])
	}
	if o2 := modeAfter(args); !slices.Contains(choosesMode, name) && o2 == m && !strings.Contains(msg, "not "+modeUsage[m]) {
		t.Errorf("nsj %s: %q does not name the mode (%s)", strings.Join(args, " "), msg, modeUsage[m])
	}
}

// modeAfter is the mode args choose, whether or not they are accepted.
func modeAfter(args []string) mode {
	o := &options{}
	fs := newFlagSet(o)
	if fs.Parse(args) != nil {
		return -1
	}
	if rest := fs.Args(); o.takesTarget() && len(rest) > 0 {
		o.target = rest[0]
	}
	return decideMode(o)
}

func modeOf(o *options) any {
	if o == nil {
		return "none"
	}
	return o.mode
}

// The refusal reads as the table says: the flag, the modes that take it,
// the mode of the run, what to drop.
func TestTableRefusalSaysWhatToDo(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-q", "t1", "ps"}, "-q goes with --list or --list --pods, not nsj TASK: drop -q"},
		{[]string{"--sysfs", "--inspect", "t1"}, "--sysfs goes with nsj TASK, nsj -t PID, nsj pod/NAME or --all, not --inspect TASK: drop --sysfs"},
		{[]string{"--timeout", "2s", "-t", "42"}, "--timeout goes with nsj TASK, nsj pod/NAME, --list, --list --pods, --inspect TASK, --inspect pod/NAME or --all, not nsj -t PID: drop --timeout"},
		{[]string{"-j", "0", "t1"}, "-j goes with --all, not nsj TASK: drop -j"},
		{[]string{"-j", "0", "--list"}, "-j goes with --all, not --list: drop -j"},
		{[]string{"--task-timeout", "5s", "t1"}, "--task-timeout goes with --all, not nsj TASK: drop --task-timeout; to limit a single command use timeout(1)"},
		{[]string{"--list", "--inspect"}, "--inspect goes with --inspect TASK or --inspect pod/NAME, not --list: drop --inspect"},
		{[]string{"--pods"}, "--pods goes with --list --pods, not nsj TASK: drop --pods; list the pods with nsj --list --pods"},
		{[]string{"-A", "--list", "--pods"}, "-A goes with --list or --all, not --list --pods: drop -A"},
		{[]string{"--version", "--list"}, "--list goes with --list or --list --pods, not --version: drop --list"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) { wantUsageError(t, tt.args, tt.want) })
	}
}

// -h prints the help wherever it is: it takes every flag.
func TestHelpTakesEveryFlag(t *testing.T) {
	newFlagSet(&options{}).VisitAll(func(f *pflag.Flag) {
		if !takes(modeHelp, f.Name) {
			t.Errorf("--help does not take --%s", f.Name)
		}
	})
	for m := range modeArgs {
		if got := modeAfter(append([]string{"-h"}, modeArgs[m]...)); got != modeHelp {
			t.Errorf("-h with %v: mode %v", m, got)
		}
	}
}

// Every flag is in the table, every mode has a name and a validator.
func TestTableCoversEveryFlagAndMode(t *testing.T) {
	newFlagSet(&options{}).VisitAll(func(f *pflag.Flag) {
		if len(row(f.Name).modes) == 0 {
			t.Errorf("--%s is in no mode of the table", f.Name)
		}
	})
	if len(flagTable) != countFlags() {
		t.Errorf("the table has %d flags, nsj %d", len(flagTable), countFlags())
	}
	for _, m := range everyMode {
		if modeUsage[m] == "" || modeNames[m] == "" {
			t.Errorf("mode %d has no name", m)
		}
		if _, ok := modeArgs[m]; !ok && m != modeHelp {
			t.Errorf("mode %v is not tested", m)
		}
	}
}

func countFlags() int {
	n := 0
	newFlagSet(&options{}).VisitAll(func(*pflag.Flag) { n++ })
	return n
}
