package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
)

// nsj runs as host root and puts a host process into a container that may
// be hostile. These tests attack nsj from inside containers, as runc's CVEs
// did; docs/security.md says which test proves which defence.

// Defence 1: nsj is non-dumpable from its first instruction, and its
// command keeps capabilities the container lacks: the container's root,
// with the default capabilities, cannot open the /proc files of either,
// however often it tries.
func TestContainerRootCannotOpenProcFilesOfNsjOrItsCommand(t *testing.T) {
	c := harness.SharedContainerd(t)
	a := harness.StartAttacker(t, c, "peek", nil)
	for i := 0; i < 500; i++ {
		harness.NsjAt(t, c, "-n", a.Task.Namespace, a.Task.ID, "sleep", "0.005").OK(t)
	}
	r := a.Stop(t)
	defer harness.LogOnFailure(t, r)
	harness.RequireRefused(t, r, harness.NsjComm(t), "sleep")
	// What any process may read of any other, and docs/security.md says the
	// container sees: the fd numbers (not what they are), the command line,
	// and the mount table of nsj's private copy of the host's mounts.
	for _, kind := range []string{"fd", "cmdline", "mountinfo"} {
		if r.On(kind, "sleep").OK == 0 {
			t.Errorf("/proc/PID/%s of the command was never readable: docs/security.md says it is", kind)
		}
	}
	for _, p := range r.Problems {
		// The attacker may open its own processes' files (a helper it forked
		// shows up as comm=attacker): they are not nsj's.
		if strings.Contains(p, "comm=attacker ") {
			continue
		}
		if !strings.Contains(p, "kind=fd ") && !strings.Contains(p, "kind=cmdline ") && !strings.Contains(p, "kind=mountinfo ") {
			t.Errorf("attacker: %s", p)
		}
	}
}

// Defence 3: nsj re-executes itself from a read-only clone of its binary's
// mount, so a container that may open /proc/PID/exe of nsj's child (one
// with CAP_SYS_PTRACE) cannot write to nsj's binary, at once or through the
// descriptor it keeps until nsj has exited (CVE-2019-5736). The command is a
// host binary that nsj does not seal: the same attack on it succeeds, which
// shows that the attack works, and is why nsj warns about such containers
// (defence 4).
func TestPtraceCapableContainerCannotOverwriteNsjBinary(t *testing.T) {
	c := harness.SharedContainerd(t)
	harness.RequireBinaries(t, "busybox")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	nsjCopy, cmdCopy := filepath.Join(dir, "nsj"), filepath.Join(dir, "sleep")
	busybox, _ := exec.LookPath("busybox")
	for from, to := range map[string]string{harness.NsjPath(t): nsjCopy, busybox: cmdCopy} {
		if err := harness.CopyFile(from, to, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	nsjSum, cmdSum := harness.FileSum(t, nsjCopy), harness.FileSum(t, cmdCopy)
	a := harness.StartAttacker(t, c, "exe", []string{nsjCopy, cmdCopy}, oci.WithAddedCapabilities([]string{"CAP_SYS_PTRACE"}))
	// nsj's child runs its binary through a read-only mount, or a sealed
	// memfd copy on kernels before 5.12 (the kernel-fallback matrix).
	grabbedNsj := regexp.MustCompile("victim=(" + harness.FileID(t, nsjCopy) + "|memfd)")
	for i := 0; i < 300 && (i < 20 || !grabbedNsj.MatchString(a.Log()) || !strings.Contains(a.Log(), "WROTE-LATER")); i++ {
		r := harness.RunCmd(harness.NsjCommand(t, nsjCopy, "-a", c.Address, "-n", a.Task.Namespace, a.Task.ID, cmdCopy, "0.02"))
		r.OK(t)
		if !strings.Contains(r.Stderr, "has CAP_SYS_PTRACE") {
			t.Fatalf("no warning about CAP_SYS_PTRACE: %q", r.Stderr)
		}
	}
	r := a.Stop(t)
	defer harness.LogOnFailure(t, r)
	got, copied := r.Victims[harness.FileID(t, nsjCopy)], r.Victims["memfd"]
	if got.Grabs+copied.Grabs == 0 {
		t.Fatalf("the attacker never opened /proc/PID/exe of nsj's child: the test proves nothing")
	}
	if got.NowOK+got.LaterOK+copied.NowOK+copied.LaterOK > 0 || harness.FileSum(t, nsjCopy) != nsjSum {
		t.Errorf("the container wrote to nsj's binary: %+v, its memfd copy: %+v", got, copied)
	}
	if cmd := r.Victims[harness.FileID(t, cmdCopy)]; cmd.LaterOK == 0 || harness.FileSum(t, cmdCopy) == cmdSum {
		t.Errorf("the same attack failed on the command's binary too (%+v): update docs/security.md and the warning", cmd)
	}
}

// Defence 4: a container whose spec lets it reach the command (privileged,
// CAP_SYS_ADMIN, CAP_SYS_PTRACE) is named in a warning before nsj opens
// anything of it; --log-level error alone silences it.
func TestRiskyTargetsAreFlaggedBeforeJoining(t *testing.T) {
	c := harness.SharedContainerd(t)
	for _, tc := range []struct {
		name string
		opts []oci.SpecOpts
		want []string
	}{
		{"default", nil, nil},
		{"ptrace", []oci.SpecOpts{oci.WithAddedCapabilities([]string{"CAP_SYS_PTRACE"})}, []string{"has CAP_SYS_PTRACE"}},
		{"admin", []oci.SpecOpts{oci.WithAddedCapabilities([]string{"CAP_SYS_ADMIN"})}, []string{"has CAP_SYS_ADMIN"}},
		{"privileged", []oci.SpecOpts{oci.WithPrivileged}, []string{"is privileged", "has CAP_SYS_PTRACE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := c.RunTask(t, "nsj-security", harness.UniqueID("risky-"+tc.name), harness.WithSpecOpts(tc.opts...))
			stderr := stderrAtLookup(t, c, tk)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(tc.want) == 0 && stderr != "" || len(tc.want) > 0 && len(lines) != len(tc.want) {
				t.Fatalf("stderr before the join: %q; want %d warnings %q", stderr, len(tc.want), tc.want)
			}
			for i, want := range tc.want {
				if !strings.HasPrefix(lines[i], "nsj: warning: task nsj-security/"+tk.ID+" "+want+": ") {
					t.Errorf("warning %d: %q, want it to name the task and say it %s", i, lines[i], want)
				}
			}
			if r := harness.NsjAt(t, c, "--log-level", "error", "-n", tk.Namespace, tk.ID, "hostname"); r.OK(t) != tk.ID+"\n" || r.Stderr != "" {
				t.Errorf("--log-level error: stdout %q, stderr %q; want the hostname and nothing on stderr", r.Stdout, r.Stderr)
			}
		})
	}
}

// stderrAtLookup runs nsj against tk, stops it where the task is found and
// nothing of it is opened yet, and returns what nsj wrote to stderr by then.
// nsj then goes on and must succeed. flags go before the task.
func stderrAtLookup(t *testing.T, c *harness.Containerd, tk *harness.Task, flags ...string) string {
	t.Helper()
	return harness.StderrBeforeOpening(t, append(append([]string{"-a", c.Address, "-n", tk.Namespace}, flags...), tk.ID)...)
}

// The advice of the warning about CAP_SYS_PTRACE: without the pid
// namespace, the command is out of the container's sight; with it, the same
// container gets hold of the command.
func TestCommandOutsideThePidNamespaceIsOutOfPtraceReach(t *testing.T) {
	c := harness.SharedContainerd(t)
	a := harness.StartAttacker(t, c, "peek", nil, oci.WithAddedCapabilities([]string{"CAP_SYS_PTRACE"}))
	for i := 0; i < 50; i++ {
		harness.NsjAt(t, c, "--log-level", "error", "--ns", "net,uts,ipc", "-n", a.Task.Namespace, a.Task.ID, "sleep", "0.01").OK(t)
	}
	if log := a.Log(); strings.Contains(log, "OK ") {
		t.Fatalf("without the pid namespace, the container still reached the command:\n%s", log)
	}
	for i := 0; i < 50 && !strings.Contains(a.Log(), "OK kind=root pid="); i++ {
		harness.NsjAt(t, c, "--log-level", "error", "-n", a.Task.Namespace, a.Task.ID, "sleep", "0.01").OK(t)
	}
	if r := a.Stop(t); r.On("root", "sleep").OK == 0 {
		t.Fatalf("in the pid namespace, the container never reached the command: the test proves nothing\n%s", r.Log)
	}
}

// A limit of defence 1 that docs/security.md describes: a command that
// drops its capabilities but stays root (ping does, once its socket is
// open) no longer has capabilities the container's root lacks, and is
// within its reach while it runs.
func TestCommandThatDropsItsCapabilitiesIsWithinTheContainersReach(t *testing.T) {
	harness.RequireBinaries(t, "setpriv")
	c := harness.SharedContainerd(t)
	a := harness.StartAttacker(t, c, "peek", nil)
	for i := 0; i < 20 && !strings.Contains(a.Log(), "OK kind=root pid="); i++ {
		harness.NsjAt(t, c, "-n", a.Task.Namespace, a.Task.ID, "setpriv", "--bounding-set=-all", "--inh-caps=-all", "sleep", "0.3").OK(t)
	}
	if r := a.Stop(t); r.On("root", "sleep").OK == 0 {
		t.Fatalf("the container never reached the command that dropped its capabilities: update docs/security.md\n%s", r.Log)
	}
}
