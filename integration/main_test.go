// Package integration holds nsj's end-to-end tests. They run the nsj binary
// as a user would, against targets they create themselves: processes in new
// namespaces, and tasks of a containerd that the suite starts with its own
// root, state and socket. They need root; under CI=true a missing
// requirement fails instead of skipping.
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
	code := m.Run()
	exitMu.Lock()
	for i := len(exitFuncs) - 1; i >= 0; i-- {
		exitFuncs[i]()
	}
	exitMu.Unlock()
	os.Exit(code)
}

// inCI reports whether missing requirements must fail rather than skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// need fails (under CI) or skips the test when ok is false.
func need(t testing.TB, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("requirement missing under CI=true: %s", msg)
	}
	t.Skip(msg)
}
