package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var attackerProgram TestProgram

// AttackerBinary builds testdata/attacker once per test binary, statically,
// so that it runs in a container with nothing else in it, or as a command
// that nsj runs.
func AttackerBinary(t testing.TB) string { return attackerProgram.StaticGo(t, "attacker") }

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

var decoyBuild struct {
	once sync.Once
	path string
	err  error
}

// DecoyBinary compiles testdata/decoy once per test binary.
func DecoyBinary(t testing.TB) string {
	t.Helper()
	RequireBinaries(t, "gcc")
	decoyBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "nsj-decoy-")
		if err != nil {
			decoyBuild.err = err
			return
		}
		AtExit(func() { os.RemoveAll(dir) })
		decoyBuild.path = filepath.Join(dir, "decoy")
		if out, err := exec.Command("gcc", "-O2", "-o", decoyBuild.path, "testdata/decoy/decoy.c").CombinedOutput(); err != nil {
			decoyBuild.err = fmt.Errorf("compiling testdata/decoy: %v\n%s", err, out)
		}
	})
	if decoyBuild.err != nil {
		t.Fatal(decoyBuild.err)
	}
	return decoyBuild.path
}
