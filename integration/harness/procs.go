// Processes of the tests: running a command for its result, starting nsj
// stopped at a test hook, and finding processes by executable or command line.

package harness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RunCmd runs cmd and returns what it gave.
func RunCmd(cmd *exec.Cmd) Result {
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Run()
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()}
}

// ProcessesOf lists the PIDs of running processes whose executable is path.
// The file is compared, not its name: nsj runs its binary through a mount
// of its own that /proc/PID/exe names differently (nsjoin.SealedSelf).
func ProcessesOf(t testing.TB, path string) []int {
	t.Helper()
	want, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		if exe, err := os.Stat(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && os.SameFile(exe, want) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// ProcessesMentioning lists processes whose command line names one of dirs.
func ProcessesMentioning(dirs ...string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		for _, d := range dirs {
			if bytes.Contains(cmdline, []byte(d)) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// Output is what a started nsj wrote on its standard output and error.
type Output struct{ Stdout, Stderr strings.Builder }

// StartStopped starts nsj with args and extra environment entries, and
// waits until it has stopped at point (see internal/plan/hook_nsjtest.go).
func StartStopped(t *testing.T, env []string, point string, args ...string) (*exec.Cmd, *Output) {
	t.Helper()
	out := &Output{}
	cmd := NsjCommand(t, NsjPath(t), args...)
	cmd.Env = append(append(os.Environ(), env...), "_NSJ_TEST_STOP_AT="+point)
	cmd.Stdout, cmd.Stderr = &out.Stdout, &out.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	KillOnFailure(t, cmd)
	WaitStopped(t, cmd.Process.Pid)
	return cmd, out
}
