package harness

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// NsjPath returns the nsj binary under test: $NSJ_BIN (make test sets it to
// bin/nsj-test, built with the nsjtest hooks), else one built once for the suite.
func NsjPath(t testing.TB) string {
	t.Helper()
	Need(t, os.Geteuid() == 0, "the integration tests need root")
	path, err := NsjBinary()
	if err != nil {
		t.Fatalf("building nsj: %v", err)
	}
	return path
}

// NsjBinary is NsjPath for callers without a test: $NSJ_BIN, else nsj
// built once (removed by RunAtExit).
var NsjBinary = sync.OnceValues(func() (string, error) {
	if p := os.Getenv("NSJ_BIN"); p != "" {
		return filepath.Abs(p)
	}
	dir, err := os.MkdirTemp("", "nsj-bin-")
	if err != nil {
		return "", err
	}
	AtExit(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "nsj")
	cmd := exec.Command("go", "build", "-tags", "nsjtest", "-o", bin, "./cmd/nsj")
	cmd.Dir = RepoPath()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})

// Result is what one nsj run gave.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Nsj runs the nsj binary with args and returns its output and exit code.
func Nsj(t testing.TB, args ...string) Result {
	t.Helper()
	return NsjWith(t, nil, args...)
}

// NsjWith runs nsj with extra environment entries.
func NsjWith(t testing.TB, env []string, args ...string) Result {
	t.Helper()
	cmd := NsjCommand(t, NsjPath(t), args...)
	cmd.Env = append(os.Environ(), env...)
	return RunUntil(t, cmd, 60*time.Second, nil)
}

// RunUntil runs cmd and returns its output and exit code; if it has not
// exited within d it is killed and the test fails, with what hung (the
// command line, and what describe says of the process, if given).
func RunUntil(t testing.TB, cmd *exec.Cmd, d time.Duration, describe func(pid int) string) Result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
		return Result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
	case <-time.After(d):
	}
	how := ""
	if describe != nil {
		how = " (" + describe(cmd.Process.Pid) + ")"
	}
	cmd.Process.Kill()
	<-done
	t.Fatalf("%s did not finish within %s%s; stderr: %s", strings.Join(cmd.Args, " "), d, how, stderr.String())
	return Result{}
}

// OK fails the test unless the run exited 0, and returns its stdout.
func (r Result) OK(t testing.TB) string {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("nsj exited %d, want 0\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// Fails checks the exit code and that stderr is one line starting "nsj: "
// and containing want.
func (r Result) Fails(t testing.TB, code int, want string) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.Code, code, r.Stdout, r.Stderr)
	}
	line := strings.TrimSuffix(r.Stderr, "\n")
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "nsj: ") {
		t.Fatalf("stderr is not one line starting with \"nsj: \": %q", r.Stderr)
	}
	if !strings.Contains(line, want) {
		t.Fatalf("stderr %q does not mention %q", line, want)
	}
}

// The system calls taken away from the nsj under test, by test: the
// kernel-fallback matrix (enosys_test.go) denies a set to a subtest and
// all that it runs, while tests in parallel with it run nsj whole.
var denied struct {
	sync.Mutex
	byTest map[string]string // test name -> comma-separated calls
}

// DenySyscalls makes every nsj that t and its subtests run (NsjCommand)
// fail calls, a comma-separated list, with ENOSYS, until t ends.
func DenySyscalls(t testing.TB, calls string) {
	denied.Lock()
	defer denied.Unlock()
	if denied.byTest == nil {
		denied.byTest = map[string]string{}
	}
	name := t.Name()
	denied.byTest[name] = calls
	t.Cleanup(func() {
		denied.Lock()
		defer denied.Unlock()
		delete(denied.byTest, name)
	})
}

// deniedTo is the calls denied to the nsj t runs: those denied to t, or
// to the nearest test it is a subtest of; "" for none.
func deniedTo(t testing.TB) string {
	denied.Lock()
	defer denied.Unlock()
	for name := t.Name(); ; {
		if calls, ok := denied.byTest[name]; ok {
			return calls
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return ""
		}
		name = name[:i]
	}
}

var enosysProgram = TestdataProgram("enosys")

// EnosysBinary builds testdata/enosys once, statically.
func EnosysBinary(t testing.TB) string { return enosysProgram.Path(t) }

// NsjCommand is exec.Command(bin, args...) for an nsj binary, under the
// enosys filter where the matrix denies t calls (DenySyscalls).
func NsjCommand(t testing.TB, bin string, args ...string) *exec.Cmd {
	calls := deniedTo(t)
	if calls == "" {
		return exec.Command(bin, args...)
	}
	return exec.Command(EnosysBinary(t), append([]string{calls, bin}, args...)...)
}

// UniqueID makes container IDs that no other test uses.
func UniqueID(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e9)
}

// NsjAt runs nsj against containerd c.
func NsjAt(t *testing.T, c *Containerd, args ...string) Result {
	t.Helper()
	return Nsj(t, append([]string{"-a", c.Address}, args...)...)
}
