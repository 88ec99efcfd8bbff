package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"golang.org/x/sys/unix"
)

// Defence 2: the command gets fds 0-2 and nothing else: no namespace fd,
// pidfd, memfd, containerd socket or error pipe of nsj's, and no
// descriptor nsj inherited from its caller (runc leaked a host directory
// this way: CVE-2024-21626), on every path to the exec, the fallbacks too.
func TestCommandGetsOnlyStdio(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-security", harness.UniqueID("fds"))
	tg := harness.StartTarget(t, "sleep 100000")
	fds := harness.AttackerBinary(t) // its -mode fds lists its own descriptors
	task := []string{"-a", c.Address, "-n", tk.Namespace, tk.ID}
	for _, tc := range []struct {
		name string
		args []string
		run  func(t *testing.T, args []string) harness.Result
	}{
		{"task with every option", append([]string{"--debug", "--sysfs", "-w", "/tmp", "-e", "X=1"}, task...), runWithInherited},
		{"pid target", []string{"-t", tg.PIDArg()}, runWithInherited},
		{"stdin closed", task, runWithStdinClosed},
		{"binary removed before the exec, a memfd copy", append([]string{"--debug"}, task...), runRemovedBinary},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.run(t, append(tc.args, fds, "-mode", "fds"))
			got := strings.Split(strings.TrimSpace(r.OK(t)), "\n")
			if len(got) != 3 || !strings.HasPrefix(got[0], "0 ") || !strings.HasPrefix(got[1], "1 ") || !strings.HasPrefix(got[2], "2 ") {
				t.Fatalf("the command's descriptors:\n%s\nwant only 0, 1 and 2; stderr: %s", r.Stdout, r.Stderr)
			}
		})
	}
}

// inherited opens what a careless caller could leave open in nsj, none of
// it close-on-exec: a host directory, both ends of a pipe, a socket, a
// namespace file and a pidfd, at fds 3-8, and /etc/hostname at fd 300.
func inherited(t *testing.T) []*os.File {
	t.Helper()
	var files []*os.File
	add := func(f *os.File, err error) {
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		files = append(files, f)
	}
	add(os.Open("/etc"))
	r, w, err := os.Pipe()
	add(r, err)
	add(w, nil)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(pair[1])
	add(os.NewFile(uintptr(pair[0]), "socket"), nil)
	add(os.Open("/proc/self/ns/net"))
	pidfd, err := unix.PidfdOpen(os.Getpid(), 0)
	add(os.NewFile(uintptr(pidfd), "pidfd"), err)
	high := make([]*os.File, 298)
	copy(high, files)
	f, err := os.Open("/etc/hostname")
	add(f, err)
	high[297] = f
	return high
}

func runWithInherited(t *testing.T, args []string) harness.Result {
	cmd := exec.Command(harness.NsjPath(t), args...)
	cmd.ExtraFiles = inherited(t)
	return harness.RunCmd(cmd)
}

// runWithStdinClosed starts nsj with fd 0 closed, so that the first file
// it opens would take fd 0 if nsj did not fill it with /dev/null.
func runWithStdinClosed(t *testing.T, args []string) harness.Result {
	cmd := exec.Command("sh", append([]string{"-c", `exec "$@" <&-`, "sh", harness.NsjPath(t)}, args...)...)
	cmd.ExtraFiles = inherited(t)
	return harness.RunCmd(cmd)
}

// runRemovedBinary removes nsj's binary (a copy) before nsj re-executes
// itself: it cannot clone the binary's mount and falls back to a sealed
// memfd copy of itself, whose descriptor must not reach the command either.
func runRemovedBinary(t *testing.T, args []string) harness.Result {
	bin := filepath.Join(t.TempDir(), "nsj")
	if err := harness.CopyFile(harness.NsjPath(t), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "_NSJ_TEST_STOP_AT=exec")
	cmd.ExtraFiles = inherited(t)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	harness.KillOnFailure(t, cmd)
	harness.WaitStopped(t, cmd.Process.Pid)
	os.Remove(bin)
	cmd.Process.Signal(syscall.SIGCONT)
	cmd.Wait()
	if !strings.Contains(stderr.String(), "fallback: re-executing a sealed memfd copy of nsj") {
		t.Errorf("nsj did not say it re-executed a sealed memfd copy of itself: %s", stderr.String())
	}
	return harness.Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()}
}
