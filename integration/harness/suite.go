// Package harness is the test bed of nsj's end-to-end tests
// (integration/*_test.go): it starts and stops the containerd daemons the
// tests target (plain, and with CRI for pod sandboxes), builds the root
// filesystems and helper programs their containers run, makes tasks,
// namespace targets and pod sandboxes, runs the nsj binary under test
// (plainly or on a terminal), and compares host state before and after a
// run so that a leak shows what leaked. Its helpers take a testing.TB and
// fail the test on error; what the whole suite shares is started once and
// stopped by RunAtExit, which TestMain calls.
package harness

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

var (
	exitMu    sync.Mutex
	exitFuncs []func()
)

// AtExit registers f to run once all tests have run (LIFO), for resources
// the whole suite shares: the nsj binary, the containerd.
func AtExit(f func()) {
	exitMu.Lock()
	defer exitMu.Unlock()
	exitFuncs = append(exitFuncs, f)
}

// RunAtExit runs what AtExit registered, last first; TestMain calls it
// after m.Run.
func RunAtExit() {
	exitMu.Lock()
	defer exitMu.Unlock()
	for i := len(exitFuncs) - 1; i >= 0; i-- {
		exitFuncs[i]()
	}
	exitFuncs = nil
}

// SkipMissing reports whether the user asked to skip, rather than fail,
// the tests whose requirements are missing. CI never skips.
func SkipMissing() bool {
	return os.Getenv("NSJ_SKIP_MISSING") == "1" && os.Getenv("CI") != "true"
}

// Need fails the test when ok is false, naming what is missing; with
// NSJ_SKIP_MISSING=1 (outside CI) it skips it instead.
func Need(t testing.TB, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if SkipMissing() {
		t.Skip(msg + " (skipped: NSJ_SKIP_MISSING=1)")
	}
	t.Fatalf("requirement missing: %s; install it, or set NSJ_SKIP_MISSING=1 to skip such tests", msg)
}
