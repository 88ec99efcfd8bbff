package harness

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// StaticBusybox is the host's busybox, which --fs container can run only if
// it is statically linked (Debian's busybox-static).
func StaticBusybox(t testing.TB) string {
	t.Helper()
	path, err := staticBusybox()
	Need(t, err == nil, "%v", err)
	return path
}

// staticBusybox is StaticBusybox without a test: an error says what is missing.
func staticBusybox() (string, error) {
	path, err := exec.LookPath("busybox")
	if err != nil {
		return "", fmt.Errorf("needs busybox in $PATH: %w", err)
	}
	f, err := elf.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "", fmt.Errorf("needs a statically linked busybox (Debian: busybox-static); %s is dynamic", path)
		}
	}
	return path, nil
}

// DistrolessRootfs is a root filesystem without a shell or any tool: /sleep
// (busybox, run as its sleep applet) and /etc/hostname.
func DistrolessRootfs(t testing.TB) string {
	t.Helper()
	StaticBusybox(t)
	dir := t.TempDir()
	if err := BuildDistrolessRootfs(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// BuildDistrolessRootfs fills dir, which exists, with DistrolessRootfs's files.
func BuildDistrolessRootfs(dir string) error {
	busybox, err := staticBusybox()
	if err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"proc", "sys", "dev", "etc"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := CopyFile(busybox, filepath.Join(dir, "sleep"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "etc/hostname"), []byte("distroless\n"), 0o644)
}
