package harness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Program is a helper program the tests build once per test binary, into
// a directory of its own that everyone may read (removed after all tests),
// so that it also runs in a container or as another user.
type Program struct {
	needs []string               // programs the build needs in $PATH
	path  func() (string, error) // builds on first call
}

// GoProgram is the Go package pkg (a path from the repository's top)
// built without cgo, statically, as a binary called name.
func GoProgram(pkg, name string) *Program {
	return newProgram(name, []string{"go"}, func(out string) *exec.Cmd {
		cmd := exec.Command("go", "build", "-o", out, RepoPath(pkg))
		cmd.Dir = RepoPath()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		return cmd
	})
}

// TestdataProgram is the Go program integration/testdata/NAME, built
// statically.
func TestdataProgram(name string) *Program {
	return GoProgram("integration/testdata/"+name, name)
}

func newProgram(name string, needs []string, build func(out string) *exec.Cmd) *Program {
	return &Program{needs: needs, path: sync.OnceValues(func() (string, error) {
		dir, err := os.MkdirTemp("", "nsj-"+name+"-")
		if err != nil {
			return "", err
		}
		AtExit(func() { os.RemoveAll(dir) })
		os.Chmod(dir, 0o755)
		out := filepath.Join(dir, name)
		cmd := build(out)
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building %s: %v\n%s", name, err, b)
		}
		return out, nil
	})}
}

// Path builds the program on first use and returns where it is.
func (p *Program) Path(t testing.TB) string {
	t.Helper()
	RequireBinaries(t, p.needs...)
	path, err := p.path()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// RepoPath is a path in nsj's repository (its top with no elements),
// found from the working directory up: the tests run in integration/,
// the nsj-cluster program at the top.
func RepoPath(elem ...string) string {
	top, err := repoTop()
	if err != nil {
		panic(err)
	}
	return filepath.Join(append([]string{top}, elem...)...)
}

var repoTop = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "integration", "harness")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("harness: not in nsj's repository (no integration/harness above the working directory)")
		}
		dir = parent
	}
})
