package integration

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// The target dies after nsj pinned its PID and before nsj opened its
// namespaces, and a decoy takes the PID at once (in namespaces of its own):
// nsj must notice through the pin (a pidfd, or the /proc/PID directory on
// kernels without pidfd_open) and never run the command in the decoy's
// namespaces. With -t PID there is no containerd to ask again: the pin
// alone decides.
func TestPIDReusedAfterPinningIsNeverJoined(t *testing.T) {
	decoyBin := harness.DecoyBinary(t)
	tg := harness.StartTarget(t, "sleep 100000")
	cmd, out := harness.StartStopped(t, nil, "pinned", "-t", tg.PIDArg(), "readlink", "/proc/self/ns/net")
	tg.Kill()
	harness.WaitFor(t, 10*time.Second, "the target to exit", func() bool {
		_, err := os.Stat(fmt.Sprintf("/proc/%d/ns", tg.PID))
		return err != nil
	})
	d := startDecoy(t, decoyBin, tg.PID, true)
	defer d.stop()
	if !d.ok {
		t.Fatalf("the decoy did not get PID %d: the test proves nothing", tg.PID)
	}
	cmd.Process.Signal(syscall.SIGCONT)
	cmd.Wait()
	r := harness.Result{Stdout: out.Stdout.String(), Stderr: out.Stderr.String(), Code: cmd.ProcessState.ExitCode()}
	if strings.TrimSpace(r.Stdout) == d.ns[0] {
		t.Fatalf("the command ran in the decoy's network namespace %s, which took PID %d", d.ns[0], tg.PID)
	}
	r.Fails(t, 125, "exited while nsj was joining it")
}
