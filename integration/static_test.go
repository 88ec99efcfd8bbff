package integration

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// nsj is one static binary: copied into a root filesystem that holds
// nothing but busybox (no glibc, no loader), it runs and joins.
func TestStaticNsjRunsWithoutGlibc(t *testing.T) {
	bin := harness.NsjPath(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatalf("%s has an ELF interpreter: it is not statically linked (build it with make build)", bin)
		}
	}
	f.Close()

	root := t.TempDir()
	for _, dir := range []string{"bin", "proc", "tmp"} {
		os.MkdirAll(filepath.Join(root, dir), 0o755)
	}
	copyInto(t, "/bin/busybox", filepath.Join(root, "bin/busybox"))
	copyInto(t, bin, filepath.Join(root, "nsj"))
	for _, app := range []string{"sh", "hostname", "true"} {
		os.Symlink("busybox", filepath.Join(root, "bin", app))
	}
	if _, err := os.Stat(filepath.Join(root, "lib")); err == nil {
		t.Fatal("the test root has a /lib")
	}
	if out, err := exec.Command("chroot", root, "/nsj", "--version").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "nsj ") {
		t.Fatalf("nsj --version in a busybox-only root: %v\n%s", err, out)
	}
	// A join from there, in a private mount namespace of this run only: the
	// root is made a mount point (as a bind-mounted /host is), with a /proc.
	tg := harness.StartTarget(t, "sleep 100000")
	script := `mount --bind "$1" "$1" && mount -t proc proc "$1/proc" && exec chroot "$1" /nsj -t "$2" /bin/hostname`
	out, err := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", root, tg.PIDArg()).CombinedOutput()
	if err != nil || string(out) != "nsj-target\n" {
		t.Fatalf("nsj -t PID hostname in a busybox-only root: %v\n%s", err, out)
	}
	// A chroot whose root is no mount point: nsj cannot keep its mounts
	// private there, says so, and changes nothing.
	script = `mount -t proc proc "$1/proc" && exec chroot "$1" /nsj -t "$2" /bin/hostname`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", root, tg.PIDArg())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Run()
	harness.Result{Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()}.Fails(t, 125, "bind-mount the directory on itself")
}

func copyInto(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
