package nsjoin

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// reopenForWriting is the CVE-2019-5736 step: the descriptor of a binary
// (what /proc/PID/exe gives) reopened for writing through /proc, then a write.
func reopenForWriting(f *os.File) error {
	w, err := os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", f.Fd()), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer w.Close()
	_, err = w.Write([]byte("overwritten\n"))
	return err
}

// The --fs container binary is the host file on a read-only mount: it
// cannot be reopened for writing (EROFS), and the host's file is untouched.
func TestOpenStaticBinaryCannotBeReopenedForWriting(t *testing.T) {
	requireRoot(t)
	path := filepath.Join(t.TempDir(), "static")
	content := elfBytes(elf.ET_EXEC, "")
	if err := os.WriteFile(path, content, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := OpenStatic(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := reopenForWriting(f); !errors.Is(err, unix.EROFS) {
		t.Errorf("reopening the binary for writing: %v, want EROFS", err)
	}
	if b, _ := os.ReadFile(path); string(b) != string(content) {
		t.Errorf("the host's binary changed")
	}
	var a, b unix.Stat_t
	if unix.Stat(path, &a) != nil || unix.Fstat(int(f.Fd()), &b) != nil || a.Ino != b.Ino {
		t.Errorf("OpenStatic did not open the host's file through the clone")
	}
}

// A binary that is a mount point of its own (a bind-mounted file) is not in
// the clone of its directory's mount: nsj runs a sealed memfd copy of it.
func TestOpenStaticCopiesABindMountedBinaryIntoASealedMemfd(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	src, path := filepath.Join(dir, "src"), filepath.Join(dir, "static")
	content := elfBytes(elf.ET_EXEC, "")
	for _, p := range []string{src, path} {
		if err := os.WriteFile(p, content, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Mount(src, path, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(path, unix.MNT_DETACH) })
	f, err := OpenStatic(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	link, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	if !strings.HasPrefix(link, "/memfd:static") {
		t.Fatalf("OpenStatic opened %q, want the memfd copy", link)
	}
	if err := reopenForWriting(f); err == nil {
		t.Errorf("the memfd copy could be written to")
	}
	if b, _ := os.ReadFile(src); string(b) != string(content) {
		t.Errorf("the host's binary changed")
	}
}
