package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// TestProgram is a helper program of testdata/, built once per test binary.
type TestProgram struct {
	once sync.Once
	path string
	err  error
}

// StaticGo builds testdata/NAME, a Go program, statically (CGO_ENABLED=0)
// into a directory everyone may read, so that it also runs in a container
// with nothing else in it.
func (p *TestProgram) StaticGo(t testing.TB, name string) string {
	t.Helper()
	return p.Build(t, "./testdata/"+name, name)
}

// Build builds the Go package pkg without cgo, once, as a binary called
// name in a directory of its own that everyone may read, removed after
// all tests.
func (p *TestProgram) Build(t testing.TB, pkg, name string) string {
	t.Helper()
	RequireBinaries(t, "go")
	p.once.Do(func() {
		dir, err := os.MkdirTemp("", "nsj-"+name+"-")
		if err != nil {
			p.err = err
			return
		}
		AtExit(func() { os.RemoveAll(dir) })
		os.Chmod(dir, 0o755)
		p.path = filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", p.path, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			p.err = fmt.Errorf("building %s: %v\n%s", pkg, err, out)
		}
	})
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.path
}
