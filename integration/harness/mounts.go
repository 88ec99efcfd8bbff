package harness

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// MountTable is a mount table as read at one moment: the text of a
// /proc/PID/mountinfo.
type MountTable struct {
	Path string // /proc/1/mountinfo, /proc/self/mountinfo, ...
	Text string
}

// ReadMounts reads the mount table at path (a /proc/PID/mountinfo).
func ReadMounts(t testing.TB, path string) MountTable {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the mount table: %v", err)
	}
	return MountTable{Path: path, Text: string(b)}
}

// Changes reads the table again and describes how it differs from m: ""
// if it is byte for byte the same; else the mounts gone ("-") and new
// ("+"), whole lines (mount ID, parent ID, device, root, mount point,
// options, type, source), so that a leak can be told from another
// program mounting on the same machine. keep, if given, limits the
// mounts compared.
func (m MountTable) Changes(t testing.TB, keep func(mountinfoLine string) bool) string {
	t.Helper()
	now := ReadMounts(t, m.Path)
	before, after := mountLines(m.Text, keep), mountLines(now.Text, keep)
	if slices.Equal(before, after) {
		return ""
	}
	if d := LineDiff(before, after); d != "" {
		return m.Path + ":\n" + d
	}
	return m.Path + ": the same mounts, in another order"
}

func mountLines(text string, keep func(string) bool) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if keep == nil || keep(l) {
			lines = append(lines, l)
		}
	}
	return lines
}

// HostMounts are the mount tables a run must leave as they were: the
// host's (as its init sees it) and the test process's own.
type HostMounts []MountTable

// SaveHostMounts reads /proc/1/mountinfo and /proc/self/mountinfo.
func SaveHostMounts(t testing.TB) HostMounts {
	t.Helper()
	return HostMounts{ReadMounts(t, "/proc/1/mountinfo"), ReadMounts(t, "/proc/self/mountinfo")}
}

// Unchanged fails the test (Errorf, the test goes on) with message what
// and the lines that differ if any of the tables changed.
func (h HostMounts) Unchanged(t testing.TB, what string) {
	t.Helper()
	h.unchanged(t, what, nil)
}

// UnchangedUnder is Unchanged for the mounts at or under dirs only: what a
// bed made, on a machine where other programs mount too.
func (h HostMounts) UnchangedUnder(t testing.TB, what string, dirs ...string) {
	t.Helper()
	h.unchanged(t, what, func(line string) bool {
		p, ok := MountPoint(line)
		if !ok {
			return false
		}
		for _, d := range dirs {
			if p == d || strings.HasPrefix(p, d+"/") {
				return true
			}
		}
		return false
	})
}

func (h HostMounts) unchanged(t testing.TB, what string, keep func(string) bool) {
	t.Helper()
	var diffs []string
	for _, m := range h {
		if d := m.Changes(t, keep); d != "" {
			diffs = append(diffs, d)
		}
	}
	if len(diffs) > 0 {
		t.Errorf("%s\n%s", what, strings.Join(diffs, "\n"))
	}
}

// LineDiff lists the lines of before missing from after ("- LINE") and
// those new in after ("+ LINE"), each set in its original order; "" if
// both hold the same lines.
func LineDiff(before, after []string) string {
	var b strings.Builder
	for _, l := range before {
		if !slices.Contains(after, l) {
			fmt.Fprintf(&b, "  - %s\n", l)
		}
	}
	for _, l := range after {
		if !slices.Contains(before, l) {
			fmt.Fprintf(&b, "  + %s\n", l)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
