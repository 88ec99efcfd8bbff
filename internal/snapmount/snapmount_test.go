package snapmount

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/runtime/containerd"
	"golang.org/x/sys/unix"
)

func TestOverlayLayers(t *testing.T) {
	layers, rest, err := overlayLayers([]string{"index=off", "workdir=/s/3/work", "upperdir=/s/3/fs", "lowerdir=/s/2/fs:/s/1/fs", "volatile", "userxattr"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/s/3/fs", "/s/2/fs", "/s/1/fs"}; !reflect.DeepEqual(layers, want) {
		t.Errorf("layers %q, want %q", layers, want)
	}
	if want := []string{"index=off", "userxattr"}; !reflect.DeepEqual(rest, want) {
		t.Errorf("options %q, want %q", rest, want)
	}
	for _, bad := range [][]string{{"index=off"}, {"lowerdir=rel/1:/s/1"}} {
		if _, _, err := overlayLayers(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestOpenIsDetachedAndReadOnly mounts an overlay of an upper and a lower
// directory: the upper's file wins, nothing can be written, and no mount
// appears in the mount table.
func TestOpenIsDetachedAndReadOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("mounting needs root")
		}
		t.Skip("mounting needs root")
	}
	dir := t.TempDir()
	upper, lower := filepath.Join(dir, "upper"), filepath.Join(dir, "lower")
	for _, d := range []string{upper, lower} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(lower, "f"), []byte("lower"), 0o644)
	os.WriteFile(filepath.Join(upper, "f"), []byte("upper"), 0o644)
	before, _ := os.ReadFile("/proc/self/mountinfo")
	for _, m := range []containerd.Mount{
		{Type: "overlay", Source: "overlay", Options: []string{"workdir=" + dir + "/work", "upperdir=" + upper, "lowerdir=" + lower}},
		{Type: "bind", Source: upper, Options: []string{"rbind", "rw"}},
	} {
		root, err := Open([]containerd.Mount{m})
		if err != nil {
			t.Fatalf("%s: %v", m.Type, err)
		}
		fd, err := unix.Openat(root, "f", unix.O_RDONLY, 0)
		if err != nil {
			t.Fatalf("%s: %v", m.Type, err)
		}
		buf := make([]byte, 16)
		n, _ := unix.Read(fd, buf)
		unix.Close(fd)
		if string(buf[:n]) != "upper" {
			t.Errorf("%s: read %q, want the upper layer's", m.Type, buf[:n])
		}
		if _, err := unix.Openat(root, "new", unix.O_CREAT|unix.O_WRONLY, 0o644); !errors.Is(err, unix.EROFS) {
			t.Errorf("%s: creating a file: %v, want EROFS", m.Type, err)
		}
		after, _ := os.ReadFile("/proc/self/mountinfo")
		if string(after) != string(before) {
			t.Errorf("%s: the mount table changed:\n%s", m.Type, strings.TrimPrefix(string(after), string(before)))
		}
		unix.Close(root)
	}
	if _, err := os.Stat(filepath.Join(upper, "new")); err == nil {
		t.Error("a file was written into the upper directory")
	}
}

// TestOpenManyLongLayers: layers whose paths together exceed fsconfig's
// 256 bytes, as an image of a few layers in containerd's root does.
func TestOpenManyLongLayers(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("mounting needs root")
		}
		t.Skip("mounting needs root")
	}
	dir := filepath.Join(t.TempDir(), strings.Repeat("io.containerd.snapshotter.v1.overlayfs", 2))
	var opts []string
	var lower []string
	for i := range 8 {
		d := filepath.Join(dir, "snapshots", string(rune('a'+i)), "fs")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "layer"+string(rune('a'+i))), nil, 0o644)
		lower = append(lower, d)
	}
	opts = append(opts, "upperdir="+lower[0], "workdir="+dir+"/work", "lowerdir="+strings.Join(lower[1:], ":"))
	root, err := Open([]containerd.Mount{{Type: "overlay", Source: "overlay", Options: opts}})
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(root)
	for i := range 8 {
		if err := unix.Faccessat(root, "layer"+string(rune('a'+i)), unix.F_OK, 0); err != nil {
			t.Errorf("layer %d: %v", i, err)
		}
	}
}
