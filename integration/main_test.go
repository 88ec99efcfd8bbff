// Package integration holds nsj's end-to-end tests. They run the nsj binary
// as a user would, against targets they create themselves: processes in new
// namespaces, and tasks of a containerd that the suite starts with its own
// root, state and socket (the bed is package harness). They need root, and
// a missing requirement fails the test that needs it, with one line naming
// it; only NSJ_SKIP_MISSING=1 turns those failures into skips (never under
// CI=true).
package integration

import (
	"fmt"
	"os"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 && !harness.SkipMissing() {
		fmt.Fprintln(os.Stderr, "integration: the end-to-end tests need root: run them as root (sudo make test); NSJ_SKIP_MISSING=1 skips what they cannot do")
		os.Exit(1)
	}
	code := m.Run()
	harness.RunAtExit()
	os.Exit(code)
}
