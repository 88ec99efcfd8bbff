package fanout

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// shell starts sh -c script as a Target.Start would start a join: the
// leader of a process group of its own.
func shell(script string) func([3]*os.File) (*Started, error) {
	return func(stdio [3]*os.File) (*Started, error) {
		attr := &syscall.ProcAttr{
			Files: []uintptr{stdio[0].Fd(), stdio[1].Fd(), stdio[2].Fd()},
			Sys:   &syscall.SysProcAttr{Setpgid: true},
		}
		pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", script}, attr)
		if err != nil {
			return nil, err
		}
		return &Started{PID: pid}, nil
	}
}

// The runner waits for each target's process, reads its output, tells
// what happened, and ends a target at its time limit, group and all.
func TestRunReportsEachTarget(t *testing.T) {
	marker := fmt.Sprintf("%d", 500000+time.Now().UnixNano()%100000)
	targets := []Target{
		{Name: "ok", Start: shell("echo hello")},
		{Name: "fails", Start: shell("echo oops >&2; exit 3")},
		{Name: "slow", Start: shell("exec sleep " + marker)},
		{Name: "refused", Start: func(stdio [3]*os.File) (*Started, error) {
			fmt.Fprintln(stdio[2], "nsj: task gone")
			return &Started{Code: 125}, nil
		}},
		{Name: "stopped", Start: func(stdio [3]*os.File) (*Started, error) {
			st, err := shell("exit 137")(stdio)
			if st != nil {
				st.Stopped = func(code int) bool { return code == 137 }
			}
			return st, err
		}},
		{Name: "broken", Start: func([3]*os.File) (*Started, error) { return nil, errors.New("no fork") }},
	}
	stdout, stderr := tempFile(t), tempFile(t)
	r := newRunner(newFanOut(Options{Stdout: stdout, Stderr: stderr}, len(targets)), 300*time.Millisecond)
	start := time.Now()
	results, sig := r.run(targets, 3)
	if took := time.Since(start); took > 5*time.Second || sig != nil {
		t.Fatalf("run took %s, signal %v", took, sig)
	}
	want := map[string]string{
		"ok": "ok 0 0s", "fails": "failed 3 0s", "slow": "failed 143 300ms",
		"refused": "failed 125 0s", "stopped": "stopped 137 0s", "broken": "failed 0 0s",
	}
	for _, res := range results {
		if got := fmt.Sprintf("%s %d %s", res.status, res.code, res.timedOut); got != want[res.name] {
			t.Errorf("%s: %s, want %s", res.name, got, want[res.name])
		}
	}
	if out := readAll(t, stdout); out != "ok: hello\n" {
		t.Errorf("stdout %q", out)
	}
	if out := readAll(t, stderr); !strings.Contains(out, "fails: oops\n") || !strings.Contains(out, "refused: nsj: task gone\n") {
		t.Errorf("stderr %q", out)
	}
	if line, code := summary(results, sig); code != 1 || !strings.Contains(line, "slow (timed out after 300ms)") || !strings.Contains(line, "broken (no fork)") {
		t.Errorf("summary %q, %d", line, code)
	}
}

func tempFile(t *testing.T) *os.File {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func readAll(t *testing.T, f *os.File) string {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
