// Words of the tests: key=value log lines, sorted rows, numbers, and the
// median of timings.

package harness

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SortedLines is s cut into lines (without the last newline), sorted, so
// that two outputs compare whatever order their rows came in.
func SortedLines(s string) []string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(lines)
	return lines
}

// LogFields reads the key=value words of a log line.
func LogFields(line string) map[string]string {
	m := map[string]string{}
	for _, w := range strings.Fields(line) {
		if k, v, ok := strings.Cut(w, "="); ok {
			m[k] = v
		}
	}
	return m
}

// Atoi is the decimal number s, or -1 when s is not one.
func Atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// Median is the middle of the durations ts (the upper one of an even
// count); ts is left as it was.
func Median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	return s[len(s)/2]
}

// MustContain fails the test unless s holds every one of want.
func MustContain(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s %q does not say %q", what, s, w)
		}
	}
}

// HasLineWithPrefix says whether a line of lines, its fields joined by
// single spaces, starts with prefix.
func HasLineWithPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(strings.Join(strings.Fields(l), " "), prefix) {
			return true
		}
	}
	return false
}
