package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// testProgram is a helper program of testdata/, built once per test binary.
type testProgram struct {
	once sync.Once
	path string
	err  error
}

// staticGo builds testdata/NAME, a Go program, statically (CGO_ENABLED=0)
// into a directory everyone may read, so that it also runs in a container
// with nothing else in it.
func (p *testProgram) staticGo(t testing.TB, name string) string {
	t.Helper()
	requireBinaries(t, "go")
	p.once.Do(func() {
		dir, err := os.MkdirTemp("", "nsj-"+name+"-")
		if err != nil {
			p.err = err
			return
		}
		atExit(func() { os.RemoveAll(dir) })
		os.Chmod(dir, 0o755)
		p.path = filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", p.path, "./testdata/"+name)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			p.err = fmt.Errorf("building testdata/%s: %v\n%s", name, err, out)
		}
	})
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.path
}
