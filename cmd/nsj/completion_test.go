package main

import (
	"slices"
	"testing"

	"github.com/nsj-dev/nsj/internal/complete"
	"github.com/nsj-dev/nsj/runtime"
)

func TestCandidatesFollowTheWordsTyped(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before []string
		cur    string
		want   []string // exactly, or (with contains) at least these
		has    bool
	}{
		{"output values", []string{"--list", "-o"}, "", []string{"table", "json"}, false},
		{"log levels", []string{"--log-level"}, "d", []string{"debug", "info", "warn", "error"}, false},
		{"address is a file", []string{"-a"}, "/ru", []string{complete.Files}, false},
		{"address with = is done", []string{"--address=/x.sock", "web"}, "", []string{complete.Commands}, false},
		{"working directory", []string{"-w"}, "", []string{complete.Dirs}, false},
		{"shells", []string{"--completion"}, "", []string{"bash", "zsh", "fish"}, false},
		{"namespace types after a comma", []string{"--ns"}, "net,", []string{"net,pid", "net,user"}, true},
		{"no mnt among types", []string{"--ns"}, "", []string{"net", "pid", "uts", "ipc", "cgroup", "time", "user"}, false},
		{"the command after the task", []string{"-n", "k8s.io", "web"}, "", []string{complete.Commands}, false},
		{"files after the command", []string{"web", "tcpdump"}, "-", []string{complete.Files}, false},
		{"the command right after -t PID", []string{"-t", "42"}, "", []string{complete.Commands}, false},
		{"joined shorthand -t42", []string{"-t42"}, "", []string{complete.Commands}, false},
		{"flags", nil, "--na", []string{"--namespace", "--address"}, true},
		{"no hidden flags", nil, "--", []string{"--complete"}, false},
		{"--list takes no task", []string{"--list"}, "", []string{"--all-namespaces"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := complete.Candidates(newFlagSet(&options{}), tc.before, tc.cur, runtime.Open)
			if tc.name == "no hidden flags" {
				if slices.Contains(got, "--complete") {
					t.Fatalf("hidden --complete offered: %v", got)
				}
				return
			}
			if tc.has {
				for _, w := range tc.want {
					if !slices.Contains(got, w) {
						t.Fatalf("candidates(%q, %q) = %v, lacks %q", tc.before, tc.cur, got, w)
					}
				}
				return
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("candidates(%q, %q) = %v, want %v", tc.before, tc.cur, got, tc.want)
			}
		})
	}
}

func TestPrintCompletionRejectsUnknownShells(t *testing.T) {
	if err := printCompletion("tcsh"); err == nil {
		t.Fatal("no error for tcsh")
	}
}
