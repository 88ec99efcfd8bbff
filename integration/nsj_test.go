package integration

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	nsjBin    string
	buildErr  error
)

// nsjPath returns the nsj binary under test: $NSJ_BIN (make test sets it to
// bin/nsj-test, built with the nsjtest hooks), else one built once for the suite.
func nsjPath(t testing.TB) string {
	t.Helper()
	need(t, os.Geteuid() == 0, "the integration tests need root")
	buildOnce.Do(func() {
		if p := os.Getenv("NSJ_BIN"); p != "" {
			nsjBin, buildErr = filepath.Abs(p)
			return
		}
		dir, err := os.MkdirTemp("", "nsj-bin-")
		if err != nil {
			buildErr = err
			return
		}
		atExit(func() { os.RemoveAll(dir) })
		nsjBin = filepath.Join(dir, "nsj")
		out, err := exec.Command("go", "build", "-tags", "nsjtest", "-o", nsjBin, "../cmd/nsj").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building nsj: %v", buildErr)
	}
	return nsjBin
}

// result is what one nsj run gave.
type result struct {
	stdout, stderr string
	code           int
}

// nsj runs the nsj binary with args and returns its output and exit code.
func nsj(t testing.TB, args ...string) result {
	t.Helper()
	return nsjWith(t, nil, args...)
}

// nsjWith runs nsj with extra environment entries.
func nsjWith(t testing.TB, env []string, args ...string) result {
	t.Helper()
	cmd := nsjCommand(t, nsjPath(t), args...)
	cmd.Env = append(os.Environ(), env...)
	return runUntil(t, cmd, 60*time.Second, nil)
}

// runUntil runs cmd and returns its output and exit code; if it has not
// exited within d it is killed and the test fails, with what hung (the
// command line, and what describe says of the process, if given).
func runUntil(t testing.TB, cmd *exec.Cmd, d time.Duration, describe func(pid int) string) result {
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
		return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
	case <-time.After(d):
	}
	how := ""
	if describe != nil {
		how = " (" + describe(cmd.Process.Pid) + ")"
	}
	cmd.Process.Kill()
	<-done
	t.Fatalf("%s did not finish within %s%s; stderr: %s", strings.Join(cmd.Args, " "), d, how, stderr.String())
	return result{}
}

// ok fails the test unless the run exited 0, and returns its stdout.
func (r result) ok(t testing.TB) string {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("nsj exited %d, want 0\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fails checks the exit code and that stderr is one line starting "nsj: "
// and containing want.
func (r result) fails(t testing.TB, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	line := strings.TrimSuffix(r.stderr, "\n")
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "nsj: ") {
		t.Fatalf("stderr is not one line starting with \"nsj: \": %q", r.stderr)
	}
	if !strings.Contains(line, want) {
		t.Fatalf("stderr %q does not mention %q", line, want)
	}
}
