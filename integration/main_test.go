// Package integration holds nsj's end-to-end tests. They run the nsj binary
// as a user would, against targets they create themselves: processes in new
// namespaces, and tasks of a containerd that the suite starts with its own
// root, state and socket. They need root, and a missing requirement fails
// the test that needs it, with one line naming it; only NSJ_SKIP_MISSING=1
// turns those failures into skips (never under CI=true).
package integration

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

// atExit registers f to run once all tests have run (LIFO), for resources
// the whole suite shares: the nsj binary, the containerd.
func atExit(f func()) {
	exitMu.Lock()
	defer exitMu.Unlock()
	exitFuncs = append(exitFuncs, f)
}

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 && !skipMissing() {
		fmt.Fprintln(os.Stderr, "integration: the end-to-end tests need root: run them as root (sudo make test); NSJ_SKIP_MISSING=1 skips what they cannot do")
		os.Exit(1)
	}
	code := m.Run()
	exitMu.Lock()
	for i := len(exitFuncs) - 1; i >= 0; i-- {
		exitFuncs[i]()
	}
	exitMu.Unlock()
	os.Exit(code)
}

// skipMissing reports whether the user asked to skip, rather than fail,
// the tests whose requirements are missing. CI never skips.
func skipMissing() bool {
	return os.Getenv("NSJ_SKIP_MISSING") == "1" && os.Getenv("CI") != "true"
}

// need fails the test when ok is false, naming what is missing; with
// NSJ_SKIP_MISSING=1 (outside CI) it skips it instead.
func need(t testing.TB, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if skipMissing() {
		t.Skip(msg + " (skipped: NSJ_SKIP_MISSING=1)")
	}
	t.Fatalf("requirement missing: %s; install it, or set NSJ_SKIP_MISSING=1 to skip such tests", msg)
}
