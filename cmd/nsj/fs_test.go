package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/plan"
)

func TestFSFlags(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		fs     string
		rootAt string
		err    string // "" when the arguments are accepted
	}{
		{args: []string{"t1"}, fs: plan.FSHost},
		{args: []string{"--fs", "host", "t1"}, fs: plan.FSHost},
		{args: []string{"--fs=container", "t1", "/bin/busybox", "ls"}, fs: plan.FSContainer},
		{args: []string{"--fs", "container", "-t", "42"}, fs: plan.FSContainer},
		{args: []string{"--fs", "container", "-w", "../etc", "t1"}, fs: plan.FSContainer},
		{args: []string{"--root-at", "/run/nsj/root", "t1"}, fs: plan.FSHost, rootAt: "/run/nsj/root"},
		{args: []string{"--root-at", "/run//nsj/./root/", "t1"}, fs: plan.FSHost, rootAt: "/run/nsj/root"},
		{args: []string{"--root-at", "ctr", "t1"}, fs: plan.FSHost, rootAt: filepath.Join(cwd, "ctr")},
		{args: []string{"--root-at", "/r", "--sysfs", "-t", "42"}, fs: plan.FSHost, rootAt: "/r"},
		{args: []string{"--fs", "Container", "t1"}, err: `--fs "Container": use host`},
		{args: []string{"--fs", "", "t1"}, err: `--fs "": use host`},
		{args: []string{"--fs", "container", "--root-at", "/r", "t1"}, err: "/ already is the container's root"},
		{args: []string{"--fs", "container", "--sysfs", "t1"}, err: "the container's own /sys"},
		{args: []string{"--fs", "container", "--privileged", "t1"}, fs: plan.FSContainer},
		{args: []string{"--privileged", "t1"}, err: "--privileged goes with --fs container"},
		{args: []string{"--fs", "host", "--privileged", "-t", "42"}, err: "--privileged goes with --fs container"},
		{args: []string{"--root-at", "/", "t1"}, err: "--root-at /: the container's root would hide the host's"},
		{args: []string{"--root-at", "/run/..", "t1"}, err: "--root-at /:"},
		{args: []string{"--all", "--root-at", "/r", "--", "du"}, err: "add -j 1"},
		{args: []string{"--all", "-j", "1", "--root-at", "/r", "--", "du"}, fs: plan.FSHost, rootAt: "/r"},
		{args: []string{"--ns", "mnt", "t1"}, fs: plan.FSHost}, // refused later, by parseNamespaceTypes
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			o, err := parseArgs(tt.args)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseArgs: %v, want an error about %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseArgs: %v", err)
			}
			if o.fs != tt.fs || o.rootAt != tt.rootAt {
				t.Errorf("--fs %q --root-at %q, want %q %q", o.fs, o.rootAt, tt.fs, tt.rootAt)
			}
		})
	}
}
