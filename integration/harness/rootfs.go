package harness

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// StaticBusybox is the host's busybox, which --fs container can run only if
// it is statically linked (Debian's busybox-static).
func StaticBusybox(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("busybox")
	Need(t, err == nil, "needs busybox in $PATH: %v", err)
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		Need(t, p.Type != elf.PT_INTERP, "needs a statically linked busybox (Debian: busybox-static); %s is dynamic", path)
	}
	return path
}

// DistrolessRootfs is a root filesystem without a shell or any tool: /sleep
// (busybox, run as its sleep applet) and /etc/hostname.
func DistrolessRootfs(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	for _, d := range []string{"proc", "sys", "dev", "etc"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := CopyFile(StaticBusybox(t), filepath.Join(dir, "sleep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "etc/hostname"), []byte("distroless\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
