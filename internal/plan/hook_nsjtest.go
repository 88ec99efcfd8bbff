//go:build nsjtest

package plan

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// stopAt lets the integration tests widen a race window: with
// _NSJ_TEST_STOP_AT=<point>, nsj stops itself (SIGSTOP) at that point and
// the test, which started it, changes the world before it sends SIGCONT.
// Points: "lookup" (the target is found, nothing is opened yet), "pinned"
// (its PID is pinned, no namespace is open yet) and "exec" (the namespaces
// are open, the constructor has not run). The variable is
// private (_NSJ_), so it never reaches the command.
//
// The hook is compiled only with the build tag nsjtest, which make
// test-build (bin/nsj-test, the binary the integration tests run) sets and
// make build and make release do not: their binaries ignore the variable
// (hook_release.go).
//
// The signal goes to the calling thread: sent to the process, another
// thread may take it while this one runs on into the exec, and the stop
// then lands after it.
func stopAt(point string) {
	if os.Getenv("_NSJ_TEST_STOP_AT") == point {
		runtime.LockOSThread()
		unix.Tgkill(os.Getpid(), unix.Gettid(), unix.SIGSTOP)
		runtime.UnlockOSThread()
	}
}
