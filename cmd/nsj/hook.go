package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// stopAt lets the integration tests widen a race window: with
// _NSJ_TEST_STOP_AT=<point>, nsj stops itself (SIGSTOP) at that point and
// the test, which started it, changes the world before it sends SIGCONT.
// Points: "lookup" (the target is found, nothing is opened yet) and "exec"
// (the namespaces are open, the constructor has not run). The variable is
// private (_NSJ_), so it never reaches the command.
func stopAt(point string) {
	if os.Getenv("_NSJ_TEST_STOP_AT") == point {
		unix.Kill(os.Getpid(), unix.SIGSTOP)
	}
}
