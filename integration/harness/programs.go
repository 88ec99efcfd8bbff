package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var attackerProgram = TestdataProgram("attacker")

// AttackerBinary builds testdata/attacker once per test binary, statically,
// so that it runs in a container with nothing else in it, or as a command
// that nsj runs.
func AttackerBinary(t testing.TB) string { return attackerProgram.Path(t) }

// AttackerRootfs makes a root filesystem holding only /attacker and the
// directories runc mounts on; the test removes it.
func AttackerRootfs(t testing.TB) string {
	t.Helper()
	dir := OpenTempDir(t, "nsj-attacker-rootfs-")
	for _, d := range []string{"proc", "sys", "dev", "run", "tmp", "etc", "shared"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := CopyFile(AttackerBinary(t), filepath.Join(dir, "attacker"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// OpenTempDir makes a directory that any user may traverse, unlike
// t.TempDir's (its parent is private): the root of a user-namespaced
// container is not the host's root. The test removes it.
func OpenTempDir(t testing.TB, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var decoyProgram = newProgram("decoy", []string{"gcc"}, func(out string) *exec.Cmd {
	return exec.Command("gcc", "-O2", "-o", out, RepoPath("integration/testdata/decoy/decoy.c"))
})

// DecoyBinary compiles testdata/decoy once per test binary.
func DecoyBinary(t testing.TB) string { return decoyProgram.Path(t) }

var syscallProbe = newProgram("syscallprobe", []string{"gcc"}, func(out string) *exec.Cmd {
	return exec.Command("gcc", "-O2", "-static", "-fno-omit-frame-pointer", "-mno-red-zone", "-o", out,
		RepoPath("integration/testdata/syscallprobe/syscallprobe.c"))
})

// SyscallProbe compiles testdata/syscallprobe (x86_64 only) once per test
// binary: every system call number on each x86 ABI, and what came back.
func SyscallProbe(t testing.TB) string { return syscallProbe.Path(t) }
