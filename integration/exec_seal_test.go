package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// Issue 19, case 1 (CVE-2019-5736 against the command, docs/security.md
// defence 3): under --fs container the command has the container's
// credentials and is dumpable, so the container's root, with containerd's
// default capabilities (no CAP_SYS_PTRACE), may open its /proc/PID/exe.
// nsj executes the host binary from a read-only mount that is attached
// nowhere (or a sealed memfd copy): the attacker writes nothing, neither
// while the command runs nor through the descriptor it keeps once the
// command and nsj have exited.
func TestFsContainerRootCannotRewriteTheCommandsHostBinary(t *testing.T) {
	attackTheExecutedBusybox(t, "the command's host binary", func(c *harness.Containerd, a *harness.Attacker, victim, _ string) {
		harness.NsjAt(t, c, "-n", a.Task.Namespace, "--fs", "container", a.Task.ID, victim, "sh", "-c", "sleep 0.5").OK(t)
	})
}

// The same without COMMAND: the victim is the host's busybox itself, which
// nsj runs as the default shell (found in PATH). The test puts a copy of
// busybox first in PATH so that the host's own stays out of harm's way.
func TestFsContainerRootCannotRewriteTheDefaultShellsBusybox(t *testing.T) {
	attackTheExecutedBusybox(t, "the default shell's busybox", func(c *harness.Containerd, a *harness.Attacker, _, dir string) {
		cmd := harness.NsjCommand(t, harness.NsjPath(t), "-a", c.Address, "-n", a.Task.Namespace, "--fs", "container", a.Task.ID)
		cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
		cmd.Stdin = strings.NewReader("sleep 0.5\n")
		harness.RunCmd(cmd).OK(t)
	})
}

// attackTheExecutedBusybox copies busybox to victim in dir, starts the exe
// attacker against it, and runs nsj with join, where the command nsj
// executes is victim, until the attacker has seen it (5 to 12 times). The
// container must have opened /proc/PID/exe of the command (or the test
// proves nothing) and written neither to victim nor to a memfd copy of it.
func attackTheExecutedBusybox(t *testing.T, what string, join func(c *harness.Containerd, a *harness.Attacker, victim, dir string)) {
	c := harness.SharedContainerd(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	victim := filepath.Join(dir, "busybox")
	if err := harness.CopyFile(harness.StaticBusybox(t), victim, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := harness.FileSum(t, victim)
	a := harness.StartAttacker(t, c, "exe", []string{victim})
	id := harness.FileID(t, victim)
	for i := 0; i < 12 && (i < 5 || !strings.Contains(a.Log(), "victim="+id)); i++ {
		join(c, a, victim, dir)
	}
	r := a.Stop(t)
	defer harness.LogOnFailure(t, r)
	got, copied := r.Victims[id], r.Victims["memfd"]
	if got.Grabs+copied.Grabs == 0 {
		t.Fatalf("the attacker never opened /proc/PID/exe of %s: the test proves nothing", what)
	}
	if got.NowOK+got.LaterOK+copied.NowOK+copied.LaterOK > 0 || harness.FileSum(t, victim) != sum {
		t.Errorf("the container wrote to %s: %+v, its memfd copy: %+v", what, got, copied)
	}
	t.Logf("%s: %+v; a memfd copy: %+v", what, got, copied)
}
