package nsjoin

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
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

// BenchmarkSealBinary: what sealing the --fs container binary costs, the
// read-only mount (what nsj does) against a sealed memfd copy (its
// fallback), for the host's busybox and for a 50 MB binary (busybox padded
// with zeros): go test -run - -bench SealBinary ./nsjoin/ (as root).
func BenchmarkSealBinary(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		b.Skip("needs busybox in $PATH")
	}
	big := filepath.Join(b.TempDir(), "big")
	content, err := os.ReadFile(busybox)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(big, append(content, make([]byte, 50<<20-len(content))...), 0o755); err != nil {
		b.Fatal(err)
	}
	for _, bin := range []struct{ name, path string }{{"busybox", busybox}, {"50MB", big}} {
		b.Run("read-only-mount/"+bin.name, func(b *testing.B) {
			for b.Loop() {
				f, err := os.Open(bin.path)
				if err != nil {
					b.Fatal(err)
				}
				ro, err := reopenReadOnly(f)
				if err != nil {
					b.Fatal(err)
				}
				ro.Close()
				f.Close()
			}
		})
		b.Run("memfd-copy/"+bin.name, func(b *testing.B) {
			for b.Loop() {
				f, err := os.Open(bin.path)
				if err != nil {
					b.Fatal(err)
				}
				c, err := sealedCopyOf(f, "bench")
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
				f.Close()
			}
		})
	}
}
