// Reading files, for the tests: whole, for messages, or as an identity.

package harness

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

// FileID is the device:inode of path, as the attacker names victims.
func FileID(t testing.TB, path string) string {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

// ReadFileOr is the content of path with NULs as spaces (a /proc cmdline
// reads as words), or "" when it cannot be read: for messages only.
func ReadFileOr(path string) string {
	b, _ := os.ReadFile(path)
	return strings.ReplaceAll(string(b), "\x00", " ")
}

// ReadFile is the content of path; the test fails when it cannot be read.
func ReadFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return string(b)
}

// FileSum is the SHA-256 of the file at path, in hex, to show that a
// file kept its content.
func FileSum(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}
