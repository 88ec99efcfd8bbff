package integration

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
)

// Defence 14: --root-at DIR never covers the host's files. The container's
// image has /bin/probe; the host has its own probe in DIR/bin, on the
// command's $PATH. Attached over DIR, the container's root would make the
// host command run the container's probe, as host root. nsj refuses a DIR
// that is not empty or holds a $PATH entry, before joining (Go) and again on
// the directory it mounts on (the constructor); DIR stays as it was.
func TestRootAtNeverCoversTheHostsFiles(t *testing.T) {
	c := harness.SharedContainerd(t)
	rootfs := harness.DistrolessRootfs(t)
	writeScript(t, filepath.Join(rootfs, "bin/probe"), "echo the-containers-probe")
	tk := c.RunTask(t, fsNS, harness.UniqueID("rootat-probe"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(rootfs)))
	base := t.TempDir()
	opt := filepath.Join(base, "opt")
	writeScript(t, filepath.Join(opt, "bin/probe"), "echo the-hosts-probe")
	empty := filepath.Join(base, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("opt", filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	onPath := "PATH=" + filepath.Join(opt, "bin") + ":/usr/bin:/bin"
	run := func(dir string, env []string, command ...string) harness.Result {
		args := []string{"--root-at", dir, "-n", fsNS}
		for _, e := range env {
			args = append(args, "-e", e)
		}
		return harness.NsjAt(t, c, append(append(args, tk.ID), command...)...)
	}
	before := hostState(t)

	t.Run("DIR holds a $PATH entry", func(t *testing.T) { // the attack
		run(opt, []string{onPath}, "probe").Fails(t, 125, "--root-at "+opt+" holds $PATH entry "+opt+"/bin: host commands would run the container's files there as root")
	})
	t.Run("DIR has files", func(t *testing.T) { // they would be hidden from the command
		run(opt, nil, "sh", "-c", "ls "+opt).Fails(t, 125, "--root-at "+opt+" is not empty")
	})
	t.Run("DIR is a symlink", func(t *testing.T) {
		run(filepath.Join(base, "link"), nil, "true").Fails(t, 125, "is a symbolic link")
	})
	t.Run("DIR filled after nsj checked it", func(t *testing.T) { // the constructor checks again
		cmd, out := harness.StartStopped(t, nil, "exec", "-a", c.Address, "--root-at", empty, "-n", fsNS, tk.ID, "true")
		writeScript(t, filepath.Join(empty, "probe"), "echo the-hosts-late-probe")
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Wait()
		harness.Result{Stdout: out.Stdout.String(), Stderr: out.Stderr.String(), Code: cmd.ProcessState.ExitCode()}.Fails(t, 125, "--root-at "+empty+" is not empty")
	})
	if got := harness.ReadFile(t, filepath.Join(opt, "bin/probe")); got != "#!/bin/sh\necho the-hosts-probe\n" {
		t.Errorf("%s/bin/probe changed: %q", opt, got)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 1 {
		t.Errorf("%s holds %v, want only the test's probe", empty, entries)
	}
	hostUnchanged(t, before)
	// An empty or missing DIR still works.
	if got := run(filepath.Join(base, "missing"), nil, "cat", filepath.Join(base, "missing/etc/hostname")).OK(t); got != "distroless\n" {
		t.Errorf("--root-at a missing DIR: %q, want the container's hostname file", got)
	}
}

// writeScript writes an executable shell script, and its directory.
func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}
