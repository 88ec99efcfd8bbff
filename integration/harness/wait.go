// Waiting in the tests: for a condition, for a stopped nsj, and for a
// started command not to outlive a failed test.

package harness

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// WaitFor polls cond every 10 ms until it holds; the test fails, naming
// what it waited for, when d passes first.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitStopped waits until pid is stopped (state T), as _NSJ_TEST_STOP_AT makes nsj.
func WaitStopped(t testing.TB, pid int) {
	t.Helper()
	WaitFor(t, 30*time.Second, "nsj to stop at its test hook", func() bool {
		stat := ReadFile(t, fmt.Sprintf("/proc/%d/stat", pid))
		fields := strings.Fields(stat[strings.LastIndex(stat, ")")+1:])
		return len(fields) > 0 && fields[0] == "T"
	})
}

// KillOnFailure kills a started cmd at the end of the test if nothing
// waited for it: the test failed while nsj was stopped.
func KillOnFailure(t *testing.T, cmd *exec.Cmd) {
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
}
