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
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	victim := filepath.Join(dir, "busybox")
	if err := harness.CopyFile(busybox, victim, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := harness.FileSum(t, victim)
	a := startAttacker(t, c, "exe", []string{victim})
	id := harness.FileID(t, victim)
	for i := 0; i < 12 && (i < 5 || !strings.Contains(a.log(), "victim="+id)); i++ {
		harness.NsjAt(t, c, "-n", a.task.Namespace, "--fs", "container", a.task.ID, victim, "sh", "-c", "sleep 0.5").OK(t)
	}
	r := a.stop(t)
	defer logOnFailure(t, r)
	got, copied := r.victims[id], r.victims["memfd"]
	if got.grabs+copied.grabs == 0 {
		t.Fatalf("the attacker never opened /proc/PID/exe of the command: the test proves nothing")
	}
	if got.nowOK+got.laterOK+copied.nowOK+copied.laterOK > 0 || harness.FileSum(t, victim) != sum {
		t.Errorf("the container wrote to the command's host binary: %+v, its memfd copy: %+v", got, copied)
	}
	t.Logf("the host binary: %+v; a memfd copy: %+v", got, copied)
}

// The same without COMMAND: the victim is the host's busybox itself, which
// nsj runs as the default shell (found in PATH). The test puts a copy of
// busybox first in PATH so that the host's own stays out of harm's way.
func TestFsContainerRootCannotRewriteTheDefaultShellsBusybox(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	victim := filepath.Join(dir, "busybox")
	if err := harness.CopyFile(busybox, victim, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := harness.FileSum(t, victim)
	a := startAttacker(t, c, "exe", []string{victim})
	id := harness.FileID(t, victim)
	for i := 0; i < 12 && (i < 5 || !strings.Contains(a.log(), "victim="+id)); i++ {
		cmd := harness.NsjCommand(t, harness.NsjPath(t), "-a", c.Address, "-n", a.task.Namespace, "--fs", "container", a.task.ID)
		cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
		cmd.Stdin = strings.NewReader("sleep 0.5\n")
		harness.RunCmd(cmd).OK(t)
	}
	r := a.stop(t)
	defer logOnFailure(t, r)
	got, copied := r.victims[id], r.victims["memfd"]
	if got.grabs+copied.grabs == 0 {
		t.Fatalf("the attacker never opened /proc/PID/exe of the default shell: the test proves nothing")
	}
	if got.nowOK+got.laterOK+copied.nowOK+copied.laterOK > 0 || harness.FileSum(t, victim) != sum {
		t.Errorf("the container wrote to the host's busybox: %+v, its memfd copy: %+v", got, copied)
	}
}
