package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// The hook _NSJ_TEST_STOP_AT, with which the race tests stop nsj halfway, is
// compiled only with the build tag nsjtest: make test-build (bin/nsj-test,
// the binary under test) has it; make build and make release do not, and
// their binaries ignore the variable. The release binary is built by make
// release's own recipe (make release-amd64, which make release runs).
func TestReleaseBuildIgnoresTheTestHook(t *testing.T) {
	if !stopsAtLookup(t, harness.NsjPath(t)) {
		t.Fatalf("%s does not stop at _NSJ_TEST_STOP_AT=lookup: the binary under test lacks the nsjtest hooks (make test-build: bin/nsj-test)", harness.NsjPath(t))
	}
	dist := t.TempDir()
	build := exec.Command("make", "--no-print-directory", "-C", "..", "release-amd64", "DIST="+dist)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make release-amd64: %v\n%s", err, out)
	}
	if stopsAtLookup(t, filepath.Join(dist, "nsj-linux-amd64")) {
		t.Fatal("make release's nsj stopped at _NSJ_TEST_STOP_AT=lookup: release binaries obey the test hook")
	}
}

// stopsAtLookup runs bin -t <the test's own PID> true with
// _NSJ_TEST_STOP_AT=lookup and reports whether it stopped itself there; a
// stopped nsj is continued and must then succeed.
func stopsAtLookup(t *testing.T, bin string) bool {
	t.Helper()
	cmd := exec.Command(bin, "--log-level", "error", "-t", strconv.Itoa(os.Getpid()), "true")
	cmd.Env = append(os.Environ(), "_NSJ_TEST_STOP_AT=lookup")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("%s -t PID true: %v", bin, err)
			}
			return false
		case <-time.After(10 * time.Millisecond):
		}
		if processState(cmd.Process.Pid) == "T" {
			cmd.Process.Signal(syscall.SIGCONT)
			if err := <-exited; err != nil {
				t.Fatalf("%s, continued after its stop: %v", bin, err)
			}
			return true
		}
	}
	cmd.Process.Kill()
	<-exited
	t.Fatalf("%s -t PID true neither stopped nor exited within 30s", bin)
	return false
}

// processState is the state letter of /proc/PID/stat ("" if it is gone).
func processState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2 : i+3]
	}
	return ""
}
