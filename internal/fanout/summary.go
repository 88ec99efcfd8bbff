package fanout

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// summary is the line a run ends with when a task failed, and its exit
// status: 1, or 128+N when signal N interrupted the run; "", 0 when the
// command succeeded everywhere.
func summary(results []taskResult, sig os.Signal) (string, int) {
	var bad []string
	for _, r := range results {
		switch {
		case r.status == statusFailed && r.timedOut != 0:
			bad = append(bad, fmt.Sprintf("%s (timed out after %s)", r.name, r.timedOut))
		case r.status == statusFailed && r.err != nil:
			bad = append(bad, fmt.Sprintf("%s (%v)", r.name, r.err))
		case r.status == statusFailed:
			bad = append(bad, fmt.Sprintf("%s (exit %d)", r.name, r.code))
		case r.status == statusStopped:
			bad = append(bad, r.name+" (task stopped)")
		case r.status == statusNotStarted:
			bad = append(bad, r.name+" (not started)")
		}
	}
	if len(bad) == 0 {
		return "", 0
	}
	tasks := "tasks"
	if len(results) == 1 {
		tasks = "task"
	}
	list := strings.Join(bad[:min(len(bad), maxNamed)], ", ")
	if len(bad) > maxNamed {
		list += fmt.Sprintf(" and %d more", len(bad)-maxNamed)
	}
	if s, ok := sig.(unix.Signal); ok {
		return fmt.Sprintf("interrupted by %s: %d of %d %s failed or did not run: %s", unix.SignalName(s), len(bad), len(results), tasks, list), 128 + int(s)
	}
	return fmt.Sprintf("%d of %d %s failed: %s", len(bad), len(results), tasks, list), 1
}

// maxNamed bounds how many failed tasks the summary names.
const maxNamed = 10
