//go:build unix

package kubeplugin

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestUnpackNeverWritesThroughAFIFO(t *testing.T) {
	dest := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dest, "f"), 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	err := Unpack(tarOf(t, file("f", "x")), dest, noWarn(t))
	if err == nil || !strings.Contains(err.Error(), "a FIFO") {
		t.Fatalf("Unpack onto a FIFO: %v", err)
	}
}
