package nsjoin

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSealedPathIsTheFileReadOnly(t *testing.T) {
	requireRoot(t)
	file := filepath.Join(t.TempDir(), "nsj")
	if err := os.WriteFile(file, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	path, release, err := sealedPath(file)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if err := sameFile(file, path); err != nil {
		t.Fatal(err)
	}
	for _, flags := range []int{unix.O_WRONLY, unix.O_RDWR | unix.O_APPEND, unix.O_WRONLY | unix.O_TRUNC} {
		fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
		if err == nil {
			unix.Close(fd)
		}
		if !errors.Is(err, unix.EROFS) {
			t.Errorf("opening %s with flags %#x: %v, want EROFS", path, flags, err)
		}
	}
	// The file itself stays writable where it is.
	if err := os.WriteFile(file, []byte("changed"), 0o755); err != nil {
		t.Errorf("the original file is no longer writable: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "changed" {
		t.Errorf("through %s: %q, %v; want the same file", path, b, err)
	}
}

func TestSealedSelfIsTheRunningBinary(t *testing.T) {
	requireRoot(t)
	path, release, err := SealedSelf()
	if err != nil {
		t.Fatalf("SealedSelf: %v (path %s)", err, path)
	}
	defer release()
	if err := sameFile(selfExe, path); err != nil {
		t.Fatal(err)
	}
}

func TestSameFile(t *testing.T) {
	if err := sameFile(selfExe, selfExe); err != nil {
		t.Errorf("a file is not the same as itself: %v", err)
	}
	if err := sameFile(selfExe, "/no/such/file"); err == nil {
		t.Error("sameFile accepted a missing file")
	}
	if err := sameFile(selfExe, "/proc/self/cmdline"); err == nil {
		t.Error("sameFile accepted another file")
	}
}

func TestSealedCopyCannotBeWritten(t *testing.T) {
	file := filepath.Join(t.TempDir(), "nsj")
	if err := os.WriteFile(file, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	path, release, err := SealedCopy(file)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if b, err := os.ReadFile(path); err != nil || string(b) != "binary" {
		t.Fatalf("through %s: %q, %v; want the copy", path, b, err)
	}
	for _, flags := range []int{unix.O_WRONLY, unix.O_RDWR | unix.O_APPEND, unix.O_WRONLY | unix.O_TRUNC} {
		fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
		if err == nil {
			_, err = unix.Write(fd, []byte("x"))
			unix.Close(fd)
		}
		if err == nil {
			t.Errorf("wrote to %s opened with flags %#x", path, flags)
		}
	}
}
