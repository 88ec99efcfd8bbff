package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// The tests of nsj cp out of containers whose task does not run: their
// root's snapshot, mounted detached and read-only (docs/copy.md).

// snapshotMounts are the lines of the mount table that name c's
// directories (its snapshots are under c.Root).
func snapshotMounts(t *testing.T, c *harness.Containerd) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, c.Dir) {
			out = append(out, l)
		}
	}
	return out
}

// TestCpFromStoppedContainer copies out of a container whose task wrote
// a file and exited, and out of one never started: the files of its
// snapshot, with nothing left mounted; copying in is refused.
func TestCpFromStoppedContainer(t *testing.T) {
	c := harness.SharedContainerd(t)
	const content = "written by the task before it stopped\n"
	stopped := c.RunSnapshotTask(t, cpNS, harness.UniqueID("cp-stopped"),
		"sh", "-c", "mkdir /data && printf '"+content+"' > /data/out && rm /bin/vi")
	never := c.RunSnapshotTask(t, cpNS, harness.UniqueID("cp-never"))
	before := snapshotMounts(t, c)
	dir := t.TempDir()

	nsjCp(t, c, nil, stopped.ID+":/data/out", dir).OK(t)
	if got := harness.ReadFileOr(filepath.Join(dir, "out")); got != content {
		t.Fatalf("copied out of the stopped container: %q, want %q", got, content)
	}
	// its deletion is seen too: the upper layer's whiteout hides the image's file
	nsjCp(t, c, nil, stopped.ID+":/bin/vi", dir).Fails(t, 125, "no such file")

	nsjCp(t, c, nil, never.ID+":/bin/busybox", dir).OK(t)
	want, err := os.ReadFile(filepath.Join(harness.BusyboxRootfs(t), "bin/busybox"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "busybox")); string(got) != string(want) {
		t.Fatalf("/bin/busybox copied out of the never-started container differs from the image's (%d bytes, want %d)", len(got), len(want))
	}

	src := filepath.Join(dir, "in")
	os.WriteFile(src, []byte("x"), 0o644)
	nsjCp(t, c, nil, src, stopped.ID+":/data/in").Fails(t, 125, "nsj cp copies into running containers only")
	nsjCp(t, c, nil, stopped.ID+":/data/in", dir+"/in2").Fails(t, 125, "no such file")

	if after := snapshotMounts(t, c); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatalf("the mount table changed:\nbefore %q\nafter  %q", before, after)
	}
}

// TestCpAttackStoppedSymlinksStayInSnapshot: a stopped container's links
// to / and up with .. , followed with -L and as path components, resolve
// inside its snapshot: the host's canary is never read.
func TestCpAttackStoppedSymlinksStayInSnapshot(t *testing.T) {
	c := harness.SharedContainerd(t)
	canaryDir := t.TempDir()
	canary := filepath.Join(canaryDir, "secret")
	hostCanary(t, canary, "host secret")
	up := strings.Repeat("../", 20)
	stopped := c.RunSnapshotTask(t, cpNS, harness.UniqueID("cp-stopped-links"), "sh", "-c",
		"mkdir /data && ln -s / /data/root && ln -s "+up+" /data/up && ln -s "+canary+" /data/abs && ln -s "+up+canary[1:]+" /data/rel")
	dir := t.TempDir()
	for _, args := range [][]string{
		{stopped.ID + ":/data/root" + canary, dir},
		{stopped.ID + ":/data/up" + canary, dir},
		{"-L", stopped.ID + ":/data/abs", dir},
		{"-L", stopped.ID + ":/data/rel", dir},
		{stopped.ID + ":/data/root" + canaryDir, "-"},
	} {
		r := nsjCp(t, c, nil, args...)
		if strings.Contains(r.Stdout+r.Stderr, "host secret") {
			t.Fatalf("nsj cp %q read the host's canary:\n%s", args, r.Stdout)
		}
		r.Fails(t, 125, "no such file")
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Fatalf("copied out of the host: %v", names)
	}
}
