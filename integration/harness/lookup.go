package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// What nsj is seen as, and says, before it joins: its processes' name, and
// its stderr up to the lookup.

// NsjComm is the name (/proc/PID/comm) of nsj's processes: its binary's.
func NsjComm(t testing.TB) string {
	name := filepath.Base(NsjPath(t))
	return name[:min(len(name), 15)]
}

// StderrBeforeOpening runs nsj target... true, stops it where the target
// is found and nothing of it is opened yet (the test hook
// _NSJ_TEST_STOP_AT=lookup), and returns what nsj wrote to stderr by then.
// nsj then goes on and must succeed.
func StderrBeforeOpening(t *testing.T, target ...string) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(NsjPath(t), append(target, "true")...)
	cmd.Env = append(os.Environ(), "_NSJ_TEST_STOP_AT=lookup")
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	KillOnFailure(t, cmd)
	WaitStopped(t, cmd.Process.Pid)
	before := ReadFile(t, f.Name())
	cmd.Process.Signal(syscall.SIGCONT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("nsj after the stop: %v; stderr: %s", err, ReadFile(t, f.Name()))
	}
	return before
}
