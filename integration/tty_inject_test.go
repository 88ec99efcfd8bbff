package integration

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
)

// A container's binary that the operator runs through nsj (the container's
// own files, through --fs container or $NSJ_ROOT) holds the operator's
// terminal. It tries to type a command into the operator's shell with
// TIOCSTI, as in bubblewrap's CVE-2017-5226: the text would wait in the
// terminal's input queue and the shell would run it once nsj has exited.
// nsj's seccomp filter makes the ioctl fail with EPERM; the shell never
// sees the text. (The kernel here allows TIOCSTI: dev.tty.legacy_tiocsti=1.)
func TestContainerBinaryCannotTypeIntoTheOperatorsShell(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, "nsj-security", harness.UniqueID("tiocsti"), harness.WithArgs("/attacker", "-mode", "idle"),
		harness.WithSpecOpts(oci.WithRootFSPath(harness.AttackerRootfs(t))))
	nsjCmd := harness.NsjPath(t) + " -a " + c.Address + " -n nsj-security "
	for _, run := range []struct{ name, args string }{
		{"fs-container", "--fs container " + tk.ID + " " + busybox + " sh -c '/attacker -mode tiocsti'"},
		{"nsj-root", tk.ID + " sh -c '$NSJ_ROOT/attacker -mode tiocsti'"},
	} {
		t.Run(run.name, func(t *testing.T) {
			out := operatorRunsThenTypes(t, nsjCmd+run.args)
			if strings.Contains(out, "INJECTED-42") {
				t.Fatalf("the container typed a command into the operator's shell, which ran it:\n%s", out)
			}
			if !strings.Contains(out, "TIOCSTI refused: operation not permitted") || !strings.Contains(out, "nsj-exit=0") {
				t.Fatalf("the attacker's TIOCSTI was not refused with EPERM, or nsj failed:\n%s", out)
			}
		})
	}
}

// The container's root traces a command that dropped its capabilities
// (defence 1's limit in docs/security.md: setpriv here, ping in life) and
// makes it call ioctl(TIOCSTI) on the operator's terminal: the filter holds
// for system calls a tracer injects too.
func TestContainerRootCannotTypeThroughATracedCommand(t *testing.T) {
	harness.RequireBinaries(t, "setpriv")
	harness.Need(t, runtime.GOARCH == "amd64", "the attacker's system call injection is written for amd64")
	c := harness.SharedContainerd(t)
	a := harness.StartAttacker(t, c, "ptrace-tiocsti", nil)
	out := operatorRunsThenTypes(t, harness.NsjPath(t)+" -a "+c.Address+" -n "+a.Task.Namespace+" "+a.Task.ID+
		" setpriv --bounding-set=-all --inh-caps=-all sleep 2")
	r := a.Stop(t)
	if strings.Contains(out, "INJECTED-42") {
		t.Fatalf("the container typed a command into the operator's shell through the traced command:\n%s\nattacker: %s", out, r.Log)
	}
	if !strings.Contains(r.Log, "TIOCSTI in pid") || !strings.Contains(r.Log, "operation not permitted") {
		t.Fatalf("the attacker did not get EPERM from the injected ioctl:\n%s", r.Log)
	}
}

// operatorRunsThenTypes is an operator's session on a terminal: a host shell
// runs line, then the operator types the next command. It returns what the
// terminal showed: text that line's processes typed into the terminal runs
// in between. ("" keeps the echo of the typed lines from matching.)
func operatorRunsThenTypes(t *testing.T, line string) string {
	t.Helper()
	s := harness.StartPtyShell(t)
	s.Send(t, line+"; echo nsj\"\"-exit=$?\n")
	s.Expect(t, "nsj-exit=")
	s.Send(t, "echo oper\"\"ator-done\n")
	s.Expect(t, "operator-done")
	s.Send(t, "exit\n")
	s.Wait(t)
	return s.Output()
}

// The filter leaves the rest alone: no_new_privs stays off, so a setuid
// binary (ping, su, sudo on hosts that ship them so) gains its owner's
// privileges as on the host. --debug says the filter is in place.
func TestTTYFilterLeavesSetuidBinariesWorking(t *testing.T) {
	harness.RequireBinaries(t, "setpriv", "id")
	tg := harness.StartTarget(t, "sleep 100000")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	suid := filepath.Join(dir, "id")
	if err := harness.CopyFile("/usr/bin/id", suid, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(suid, 0o755|os.ModeSetuid); err != nil { // setuid root
		t.Fatal(err)
	}
	r := harness.Nsj(t, "--debug", "-t", tg.PIDArg(), "sh", "-c",
		`grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; setpriv --reuid=65534 --regid=65534 --clear-groups `+suid+` -u`)
	if want := "NoNewPrivs:\t0\nSeccomp:\t2\n0\n"; r.OK(t) != want {
		t.Fatalf("got %q, want no no_new_privs, a filter, and euid 0 from the setuid binary run as nobody: %q", r.Stdout, want)
	}
	if !strings.Contains(r.Stderr, "seccomp filter installed: TIOCSTI and TIOCLINUX fail with EPERM") {
		t.Fatalf("--debug does not say that the filter is installed:\n%s", r.Stderr)
	}
}
