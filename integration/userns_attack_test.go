package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
)

// Defence 15: with --ns user the command is the root of the container's
// user namespace, not an unmapped host root. A user-namespaced container
// with CAP_SYS_PTRACE in its namespace can trace a command there, and
// before the defence it took over a host uid 0 process: through it, it
// wrote the host's root-owned files (issue 11). Now what it takes over is
// only the container's root, which the host's files refuse.

// injection is what the attacker's -mode inject logged of one process.
type injection struct {
	line     string
	open     int // what the command's openat of the victim returned: an fd, or -errno
	wrote    int
	attacker string
}

// runInjected runs nsj args... sleep 30 against the attacker's container
// until the attacker has taken over the command once, and returns the
// attacker's INJECT line and nsj's stderr.
func runInjected(t *testing.T, c *harness.Containerd, a *harness.Attacker, args ...string) (injection, string) {
	t.Helper()
	errFile := filepath.Join(t.TempDir(), "stderr")
	f, err := os.Create(errFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	argv := append(append([]string{"-a", c.Address, "-n", a.Task.Namespace}, args...), a.Task.ID, "sleep", "30")
	cmd := exec.Command(harness.NsjPath(t), argv...)
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() { cmd.Process.Signal(syscall.SIGTERM); <-exited } // nsj hands it to sleep
	var in injection
	harness.WaitFor(t, 30*time.Second, "the attacker to take over the command", func() bool {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("nsj exited before the attack (%v): %s", err, harness.ReadFile(t, errFile))
		default:
		}
		for _, line := range strings.Split(a.Log(), "\n") {
			if strings.HasPrefix(line, "INJECT ") {
				f := harness.LogFields(line)
				in = injection{line: line, open: harness.Atoi(f["open"]), wrote: harness.Atoi(f["wrote"]), attacker: a.Log()}
				return true
			}
			if strings.HasPrefix(line, "SEIZE ") || strings.HasPrefix(line, "NOPATH ") || strings.HasPrefix(line, "NOTVICTIM ") {
				stop()
				t.Fatalf("the attacker could not attack the command: %s\nnsj: %s", line, harness.ReadFile(t, errFile))
			}
		}
		return false
	})
	stop()
	t.Logf("attacker: %s", in.line)
	return in, harness.ReadFile(t, errFile)
}

// victimFile makes a host file owned by root, mode 0644, in a directory
// any user may traverse: the container's root may read it and no more.
func victimFile(t *testing.T) (path, content string) {
	t.Helper()
	path = filepath.Join(harness.OpenTempDir(t, "nsj-userns-victim-"), "victim")
	content = "a host file owned by root, mode 0644\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, content
}

// injectAttacker starts the attacker in -mode inject in a user-namespaced
// container with CAP_SYS_PTRACE, aimed at victim.
func injectAttacker(t *testing.T, c *harness.Containerd, victim string) *harness.Attacker {
	t.Helper()
	return harness.LaunchAttacker(t, c, harness.AttackerConfig{
		Mode: "inject", Victims: []string{victim}, Args: []string{"-comm", "sleep", "-victim-path", victim},
		Owner: harness.UsernsHostUID,
		Opts:  []oci.SpecOpts{harness.WithUserNamespace(), oci.WithAddedCapabilities([]string{"CAP_SYS_PTRACE"})},
	})
}

func TestUserNamespacedPtraceContainerCannotWriteHostFilesThroughTheCommand(t *testing.T) {
	requireAmd64(t)
	c := harness.SharedContainerd(t)
	victim, content := victimFile(t)
	a := injectAttacker(t, c, victim)
	in, stderr := runInjected(t, c, a, "--ns", "user,net,pid,uts,ipc")
	if in.open >= 0 || harness.ReadFile(t, victim) != content {
		t.Fatalf("the container made the command write to the host's %s: %s\nfile now: %q\nattacker log:\n%s", victim, in.line, harness.ReadFile(t, victim), in.attacker)
	}
	if in.open != -int(syscall.EACCES) || !strings.Contains(in.line, "uid=0,0,0,0 ") {
		t.Errorf("the command, uid 0 in the container, should have been refused with EACCES: %s", in.line)
	}
	if !strings.Contains(stderr, "has CAP_SYS_PTRACE in its user namespace, which --ns user puts the command in") {
		t.Errorf("no warning about CAP_SYS_PTRACE in the user namespace: %q", stderr)
	}
}

// What the warning about --preserve-credentials says: the command stays
// host uid 0, and the same attack succeeds. It shows that the attack works.
func TestPreservedCredentialsLeaveTheCommandToAUserNamespacedPtraceContainer(t *testing.T) {
	requireAmd64(t)
	c := harness.SharedContainerd(t)
	victim, content := victimFile(t)
	a := injectAttacker(t, c, victim)
	in, stderr := runInjected(t, c, a, "--ns", "user,net,pid,uts,ipc", "--preserve-credentials")
	if in.open < 0 || in.wrote <= 0 || harness.ReadFile(t, victim) == content {
		t.Fatalf("the attack failed on a command that kept host uid 0 (%s): update docs/security.md and the warning\nattacker log:\n%s", in.line, in.attacker)
	}
	if !strings.Contains(in.line, "uid=65534,65534,65534,65534 ") {
		t.Errorf("the command kept nsj's credentials, unmapped in the container: %s", in.line)
	}
	if !strings.Contains(stderr, "where the command stays the host's uid 0") {
		t.Errorf("no warning about --preserve-credentials: %q", stderr)
	}
}

func requireAmd64(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("uname", "-m").Output(); err != nil || strings.TrimSpace(string(out)) != "x86_64" {
		harness.Need(t, false, "the attacker's -mode inject is written for x86-64")
	}
}

// Without CAP_SYS_PTRACE the container's root cannot open the /proc files
// of the command, its namespace's root with every capability there, nor of
// nsj's child (defence 1 holds with --ns user).
func TestUserNamespacedContainerRootCannotOpenProcFilesOfTheCommand(t *testing.T) {
	c := harness.SharedContainerd(t)
	a := harness.LaunchAttacker(t, c, harness.AttackerConfig{Mode: "peek", Owner: harness.UsernsHostUID, Opts: []oci.SpecOpts{harness.WithUserNamespace()}})
	for i := 0; i < 100; i++ {
		harness.NsjAt(t, c, "-n", a.Task.Namespace, "--ns", "user,net,pid,uts,ipc", a.Task.ID, "sleep", "0.005").OK(t)
	}
	r := a.Stop(t)
	defer harness.LogOnFailure(t, r)
	harness.RequireRefused(t, r, harness.NsjComm(t), "sleep")
}
