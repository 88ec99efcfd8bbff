package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The tests of nsj cp (docs/copy.md) against real busybox containers.

const cpNS = "nsj-cp"

// cpTask runs a busybox container with a writable /tmp (tmpfs of size
// tmpSize) and, with script, runs it as its init (sh -c).
func cpTask(t *testing.T, c *harness.Containerd, tmpSize, script string, opts ...oci.SpecOpts) *harness.Task {
	t.Helper()
	tmp := specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777", "size=" + tmpSize}}
	args := []string{"sleep", "100000"}
	if script != "" {
		args = []string{"sh", "-c", script}
	}
	return c.RunTask(t, cpNS, harness.UniqueID("cp"), harness.WithArgs(args...),
		harness.WithSpecOpts(append([]oci.SpecOpts{oci.WithMounts([]specs.Mount{tmp})}, opts...)...))
}

// nsjCp runs nsj cp against c, with stdin.
func nsjCp(t *testing.T, c *harness.Containerd, stdin []byte, args ...string) harness.Result {
	t.Helper()
	cmd := harness.NsjCommand(t, harness.NsjPath(t), append([]string{"cp", "-a", c.Address, "-n", cpNS}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	return harness.RunUntil(t, cmd, 30*time.Second, nil)
}

// nsjCpIn runs nsj cp against c in the host directory dir.
func nsjCpIn(t *testing.T, c *harness.Containerd, dir string, args ...string) harness.Result {
	t.Helper()
	cmd := harness.NsjCommand(t, harness.NsjPath(t), append([]string{"cp", "-a", c.Address, "-n", cpNS}, args...)...)
	cmd.Dir = dir
	return harness.RunUntil(t, cmd, 30*time.Second, nil)
}

// inCtr runs sh -c script in tk (through ctr's exec, not nsj) and returns
// its output.
func inCtr(t *testing.T, c *harness.Containerd, tk *harness.Task, script string) string {
	t.Helper()
	out, err := c.TaskExec(cpNS, tk.ID, false, "sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("in the container: %s: %v\n%s", script, err, out)
	}
	return string(out)
}

func randomFile(t *testing.T, path string, size int) {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCpCopiesA100MBFileBothWaysIntact(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := cpTask(t, c, "300m", "")
	dir := t.TempDir()
	src := filepath.Join(dir, "big")
	randomFile(t, src, 100<<20)
	nsjCp(t, c, nil, src, tk.ID+":/tmp/big").OK(t)
	inside := strings.Fields(inCtr(t, c, tk, "sha256sum /tmp/big"))[0]
	if want := harness.FileSum(t, src); inside != want {
		t.Fatalf("sha256 in the container %s, want %s", inside, want)
	}
	nsjCp(t, c, nil, tk.ID+":/tmp/big", filepath.Join(dir, "back")).OK(t)
	if got, want := harness.FileSum(t, filepath.Join(dir, "back")), harness.FileSum(t, src); got != want {
		t.Fatalf("sha256 of the copy back %s, want %s", got, want)
	}
}

func TestCpCopiesDirectoriesThroughATarStreamBothWays(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := cpTask(t, c, "64m", "")
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	os.MkdirAll(filepath.Join(tree, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(tree, "a", "b", "f"), []byte("deep\n"), 0o644)
	os.WriteFile(filepath.Join(tree, "top"), []byte("top\n"), 0o600)
	os.Symlink("a/b/f", filepath.Join(tree, "link"))
	tarIn, err := exec.Command("tar", "c", "-C", dir, "tree").Output()
	if err != nil {
		t.Fatal(err)
	}
	nsjCp(t, c, tarIn, "-", tk.ID+":/tmp").OK(t)
	if got := inCtr(t, c, tk, "cat /tmp/tree/a/b/f /tmp/tree/top; readlink /tmp/tree/link"); got != "deep\ntop\na/b/f\n" {
		t.Fatalf("in the container: %q", got)
	}
	// Into a path that does not exist: the stream's top entry takes its name.
	nsjCp(t, c, tarIn, "-", tk.ID+":/tmp/renamed").OK(t)
	if got := inCtr(t, c, tk, "cat /tmp/renamed/a/b/f"); got != "deep\n" {
		t.Fatalf("unpacked as /tmp/renamed: %q", got)
	}
	out := nsjCp(t, c, nil, tk.ID+":/tmp/tree", "-").OK(t)
	list := exec.Command("tar", "t")
	list.Stdin = strings.NewReader(out)
	names, err := list.Output()
	if err != nil {
		t.Fatalf("tar t of nsj's stream: %v", err)
	}
	for _, want := range []string{"tree/", "tree/a/b/f", "tree/top", "tree/link"} {
		if !strings.Contains("\n"+string(names), "\n"+want+"\n") {
			t.Fatalf("nsj's tar stream lacks %s:\n%s", want, names)
		}
	}
	// Without -: the directory itself, recursively.
	nsjCp(t, c, nil, tk.ID+":/tmp/tree", filepath.Join(dir, "back")).OK(t)
	if got := harness.ReadFile(t, filepath.Join(dir, "back", "a", "b", "f")); got != "deep\n" {
		t.Fatalf("copied back: %q", got)
	}
	if l, _ := os.Readlink(filepath.Join(dir, "back", "link")); l != "a/b/f" {
		t.Fatalf("link copied back as %q", l)
	}
	// Relative host paths, both ways.
	nsjCpIn(t, c, dir, tk.ID+":/tmp/tree/top", "top-here").OK(t)
	nsjCpIn(t, c, dir, "top-here", tk.ID+":/tmp/top-there").OK(t)
	if got := inCtr(t, c, tk, "cat /tmp/top-there"); got != "top\n" {
		t.Fatalf("through relative host paths: %q", got)
	}
}

// withUserUmask makes the container's process.user uid:gid with umask.
func withUserUmask(uid, gid, umask uint32) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *specs.Spec) error {
		s.Process.User.UID, s.Process.User.GID, s.Process.User.Umask = uid, gid, &umask
		return nil
	}
}

func TestCpWritesFilesAsTheContainersUserWithItsUmask(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := cpTask(t, c, "64m", "", withUserUmask(1234, 2345, 0o027))
	dir := t.TempDir()
	src := filepath.Join(dir, "f")
	os.WriteFile(src, []byte("x"), 0o777)
	os.Chmod(src, 0o4777)
	nsjCp(t, c, nil, src, tk.ID+":/tmp/").OK(t)
	os.Mkdir(filepath.Join(dir, "t"), 0o777)
	os.Rename(src, filepath.Join(dir, "t", "f"))
	tarIn, _ := exec.Command("tar", "c", "-C", dir, "t").Output()
	nsjCp(t, c, tarIn, "-", tk.ID+":/tmp").OK(t)
	for _, p := range []string{"/tmp/f", "/tmp/t", "/tmp/t/f"} {
		got := strings.TrimSpace(inCtr(t, c, tk, "stat -c '%u %g %a' "+p))
		if got != "1234 2345 750" {
			t.Fatalf("%s: uid gid mode %q, want 1234 2345 750 (process.user and its umask 027; no setuid)", p, got)
		}
	}
}

func TestCpRefusesBadInputInOneLine(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := cpTask(t, c, "16m", "")
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}, "needs TASK:PATH on one side"},
		{[]string{tk.ID + ":tmp/x", dir}, "give an absolute path inside the container"},
		{[]string{tk.ID + ":/tmp/x", tk.ID + ":/tmp/y"}, "between the host and one container"},
		{[]string{"-", "-"}, "needs TASK:PATH"},
		{[]string{tk.ID + ":/tmp"}, "takes a source and a destination"},
		{[]string{"--bogus", tk.ID + ":/tmp", dir}, "unknown flag"},
		{[]string{"nosuchtask:/tmp", dir}, "nosuchtask"},
		{[]string{tk.ID + ":/nonexistent", dir}, "no such file"},
		{[]string{tk.ID + ":/dev/null", dir}, "a character device"},
	} {
		nsjCp(t, c, nil, tt.args...).Fails(t, 125, tt.want)
	}
	stopped := c.RunTask(t, cpNS, harness.UniqueID("cp-stopped"), harness.TaskStopped())
	nsjCp(t, c, nil, stopped.ID+":/etc/passwd", dir).Fails(t, 125, "is stopped")
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Fatalf("bad input changed %s: %v", dir, names)
	}
	if got := inCtr(t, c, tk, "ls -A /tmp"); got != "" {
		t.Fatalf("bad input changed the container's /tmp: %q", got)
	}
}
