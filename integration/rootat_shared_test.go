package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Issue 19, case 6 (docs/security.md, "--root-at and shared mounts"): the
// clone --root-at attaches is private. A container with an rshared volume
// (Docker's :rshared, Kubernetes' Bidirectional) shares its mounts with the
// host's: a clone that stayed in their peer groups would carry nsj's
// unmount at exit, or the command's, to the host and the container. The
// host's submount of the volume must still be there, seen from both sides.
func TestRootAtLeavesTheSubmountsOfAnRsharedVolumeAlone(t *testing.T) {
	rootAtLeavesRsharedSubmounts(t, "")
}

// rootAtLeavesRsharedSubmounts: fallback is what nsj --debug must say it
// used ("": none; the ENOSYS matrix passes the one before Linux 5.12).
func rootAtLeavesRsharedSubmounts(t *testing.T, fallback string) {
	c := harness.SharedContainerd(t)
	vol := sharedVolumeWithSubmount(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("rootat-rshared"), harness.WithSpecOpts(oci.WithMounts([]specs.Mount{
		{Destination: "/vol", Type: "bind", Source: vol, Options: []string{"rbind", "rshared"}}})))
	submountSeen := func(when string) {
		t.Helper()
		for _, path := range []string{filepath.Join(vol, "sub/marker"), harness.InTask(tk, "/vol/sub/marker")} {
			if b, err := os.ReadFile(path); err != nil || string(b) != "on-the-submount\n" {
				t.Fatalf("%s: %s: %q, %v; want the host's submount of the rshared volume", when, path, b, err)
			}
		}
	}
	submountSeen("before nsj")
	dir := filepath.Join(t.TempDir(), "root")

	r := harness.NsjAt(t, c, "--debug", "-n", fsNS, "--root-at", dir, tk.ID, "cat", filepath.Join(dir, "vol/sub/marker"))
	r.OK(t)
	if said := strings.Contains(r.Stderr, "fallback: mount_setattr"); fallback == "" && said || fallback != "" && !strings.Contains(r.Stderr, fallback) {
		t.Errorf("nsj --debug says %q, want the fallback %q (\"\": none)", r.Stderr, fallback)
	}
	submountSeen("after nsj --root-at unmounted its copy")
	// The command unmounts the copy's submount itself: it stays nsj's.
	harness.NsjAt(t, c, "-n", fsNS, "--root-at", dir, tk.ID, "umount", filepath.Join(dir, "vol/sub")).OK(t)
	submountSeen("after the command unmounted it under --root-at")
}

// sharedVolumeWithSubmount makes a temporary directory a shared mount of
// its own, with a tmpfs mounted on its sub/ holding sub/marker; the test's
// cleanup unmounts both, so that the host is left as it was.
func sharedVolumeWithSubmount(t *testing.T) string {
	t.Helper()
	vol := filepath.Join(t.TempDir(), "vol")
	sub := filepath.Join(vol, "sub")
	if err := os.MkdirAll(vol, 0o755); err != nil {
		t.Fatal(err)
	}
	mount := func(src, dst, fstype string, flags uintptr) {
		t.Helper()
		if err := unix.Mount(src, dst, fstype, flags, ""); err != nil {
			t.Fatalf("mount %s on %s: %v", src, dst, err)
		}
	}
	mount(vol, vol, "", unix.MS_BIND)
	t.Cleanup(func() { unix.Unmount(vol, unix.MNT_DETACH) })
	mount("", vol, "", unix.MS_SHARED)
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	mount("tmpfs", sub, "tmpfs", 0)
	t.Cleanup(func() { unix.Unmount(sub, unix.MNT_DETACH) })
	if err := os.WriteFile(filepath.Join(sub, "marker"), []byte("on-the-submount\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return vol
}
