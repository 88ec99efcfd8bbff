package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// A user session with --target-pid: nsj -t PID COMMAND shows the target's
// view with the host's binaries.

func TestPsShowsOnlyTargetProcesses(t *testing.T) {
	tg := harness.StartTarget(t, "sh -c 'sleep 100001 & exec sleep 100000'")
	out := harness.Nsj(t, "-t", tg.PIDArg(), "ps", "-e", "-o", "pid=,args=").OK(t)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		got = append(got, strings.Join(strings.Fields(line), " "))
	}
	// pid 1 is the target's init, then its child, then ps itself.
	if len(got) != 3 || got[0] != "1 sleep 100000" || !strings.HasSuffix(got[1], " sleep 100001") || !strings.HasSuffix(got[2], " ps -e -o pid=,args=") {
		t.Fatalf("ps through nsj shows %q; want the target's two sleeps and ps", got)
	}
}

func TestIpShowsOnlyTargetInterfaces(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	out := harness.Nsj(t, "-t", tg.PIDArg(), "ip", "-o", "link").OK(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "1: lo:") {
		t.Fatalf("ip -o link through nsj shows %q; want only lo", lines)
	}
}

func TestHostnameIsTargets(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	if got := strings.TrimSpace(harness.Nsj(t, "-t", tg.PIDArg(), "hostname").OK(t)); got != "nsj-target" {
		t.Fatalf("hostname through nsj is %q, want nsj-target", got)
	}
	host, _ := os.Hostname()
	if host == "nsj-target" {
		t.Fatalf("the host's hostname changed to the target's")
	}
}

// The command's /proc/self/ns/* are the target's for each joined type and
// the host's for the rest.
func TestCommandNamespacesMatchTargetForJoinedTypes(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	types := []string{"net", "pid", "uts", "ipc", "cgroup", "user"}
	script := ""
	for _, typ := range types {
		script += "readlink /proc/self/ns/" + typ + "; "
	}
	for _, tc := range []struct {
		ns     string
		joined []string
	}{
		{"", []string{"net", "pid", "uts", "ipc"}}, // default: all that differ
		{"net,uts", []string{"net", "uts"}},
		{"pid", []string{"pid"}},
	} {
		args := []string{"-t", tg.PIDArg()}
		if tc.ns != "" {
			args = append(args, "--ns", tc.ns)
		}
		out := harness.Nsj(t, append(args, "sh", "-c", script)...).OK(t)
		got := strings.Fields(out)
		for i, typ := range types {
			want := harness.NSLink(t, os.Getpid(), typ)
			if slices.Contains(tc.joined, typ) {
				want = harness.NSLink(t, tg.PID, typ)
			}
			if got[i] != want {
				t.Errorf("--ns %q: the command's %s namespace is %s, want %s", tc.ns, typ, got[i], want)
			}
		}
	}
}

// --sysfs without the network namespace is refused with what to do, not
// the kernel's EBUSY (issue 21 item 5).
func TestSysfsWithoutTheNetworkNamespaceSaysWhy(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	harness.Nsj(t, "-t", tg.PIDArg(), "--ns", "pid,uts", "--sysfs", "true").Fails(t, 125,
		"--sysfs mounts /sys for the joined network namespace, and --ns pid,uts leaves net out: add net to --ns, or drop --sysfs")
	self := fmt.Sprint(os.Getpid()) // in the host's network namespace, as nsj
	harness.Nsj(t, "--log-level", "error", "-t", self, "--sysfs", "true").Fails(t, 125,
		"--sysfs: PID "+self+" shares the host's network namespace, whose devices the host's /sys already shows: drop --sysfs")
}

// The whole point: the host's mounts and /proc are never changed, and no
// nsj process is left behind.
func TestHostMountsUnchangedAfter200Runs(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	mounts := harness.SaveHostMounts(t)
	for i := 0; i < 200; i++ {
		harness.Nsj(t, "-t", tg.PIDArg(), "--sysfs", "true").OK(t)
	}
	mounts.Unchanged(t, "the host's mount table changed")
	if left := harness.ProcessesOf(t, harness.NsjPath(t)); len(left) > 0 {
		t.Errorf("nsj processes left behind: %v", left)
	}
	// The host's ps still shows the host's processes.
	out, err := exec.Command("ps", "-p", fmt.Sprint(os.Getpid()), "-o", "pid=").Output()
	if err != nil || strings.TrimSpace(string(out)) != fmt.Sprint(os.Getpid()) {
		t.Errorf("the host's ps no longer sees the test process: %q %v", out, err)
	}
}

func TestExitStatusesPropagate(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	dir := t.TempDir()
	notExec := filepath.Join(dir, "not-executable")
	os.WriteFile(notExec, []byte("#!/bin/sh\nexit 0\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"success", []string{"true"}, 0, ""},
		{"exit 3", []string{"sh", "-c", "exit 3"}, 3, ""},
		{"exit 255", []string{"sh", "-c", "exit 255"}, 255, ""},
		{"killed by SIGTERM", []string{"sh", "-c", "kill -TERM $$"}, 128 + 15, ""},
		{"killed by SIGKILL", []string{"sh", "-c", "kill -KILL $$"}, 128 + 9, ""},
		{"not executable", []string{notExec}, 126, "not-executable"},
		{"directory", []string{dir}, 126, dir},
		{"not found in PATH", []string{"no-such-command-nsj"}, 127, "no-such-command-nsj: command not found"},
		{"missing path", []string{"/no/such/binary"}, 127, "/no/such/binary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := harness.Nsj(t, append([]string{"-t", tg.PIDArg()}, tc.args...)...)
			if tc.msg == "" {
				if r.Code != tc.code {
					t.Fatalf("exit code %d, want %d; stderr: %s", r.Code, tc.code, r.Stderr)
				}
				return
			}
			r.Fails(t, tc.code, tc.msg)
		})
	}
	harness.Nsj(t, "-t", tg.PIDArg(), "--ns", "bogus", "true").Fails(t, 125, `unknown namespace type`)
	harness.Nsj(t, "-t", "999999999", "true").Fails(t, 125, "no process with PID 999999999")
}

func TestSigtermReachesCommand(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	cmd := exec.Command(harness.NsjPath(t), "-t", tg.PIDArg(), "sh", "-c",
		`trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done`)
	out, _ := cmd.StdoutPipe()
	cmd.Start()
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	if string(buf[:n]) != "ready\n" {
		t.Fatalf("command did not start: %q", buf[:n])
	}
	cmd.Process.Signal(syscall.SIGTERM)
	rest := make([]byte, 64)
	m, _ := out.Read(rest)
	cmd.Wait()
	if string(rest[:m]) != "got-term\n" || cmd.ProcessState.ExitCode() != 7 {
		t.Fatalf("after SIGTERM to nsj: output %q, exit %d; want got-term and 7", rest[:m], cmd.ProcessState.ExitCode())
	}
}

func TestCommandSeesOnlyStdioFds(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	extra, err := os.Open("/etc/hostname")
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	cmd := harness.NsjCommand(t, harness.NsjPath(t), "-t", tg.PIDArg(), "ls", "/proc/self/fd")
	cmd.ExtraFiles = []*os.File{extra} // fd 3 in nsj: must not reach the command
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nsj: %v", err)
	}
	// ls opens /proc/self/fd itself as fd 3.
	if got := strings.Fields(string(out)); !slices.Equal(got, []string{"0", "1", "2", "3"}) {
		t.Fatalf("the command's fds are %v, want 0 1 2 and ls's own 3", got)
	}
}

// If nsj is killed, its command does not linger (PDEATHSIG).
func TestKilledNsjTakesCommandAlong(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	killNsjAndWaitForItsCommand(t, "-t", tg.PIDArg())
}

// killNsjAndWaitForItsCommand runs nsj target... sleep 100002, kills nsj
// once the command runs, and waits for the command to die.
func killNsjAndWaitForItsCommand(t *testing.T, target ...string) {
	t.Helper()
	cmd := exec.Command(harness.NsjPath(t), append(target, "sleep", "100002")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var child int
	harness.WaitFor(t, 10*time.Second, "nsj's command to start", func() bool {
		child = harness.ChildOf(cmd.Process.Pid)
		return child > 0 && strings.Contains(harness.ReadFile(t, fmt.Sprintf("/proc/%d/cmdline", child)), "100002")
	})
	cmd.Process.Kill()
	cmd.Wait()
	harness.WaitFor(t, 10*time.Second, "the command to die with nsj", func() bool {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", child))
		return err != nil
	})
}

func TestWorkingDirectoryEnvironmentAndRoot(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	out := harness.NsjWith(t, []string{"_NSJ_SECRET=x", "NSJ_ROOT=/from/an/outer/nsj"}, "-t", tg.PIDArg(), "-w", "/etc", "-e", "FOO=bar", "-e", "HOME",
		"sh", "-c", `pwd; echo "FOO=$FOO HOME=$HOME NSJ_ROOT=$NSJ_ROOT"; env | grep -c '^_NSJ_' || true`).OK(t)
	want := fmt.Sprintf("/etc\nFOO=bar HOME=%s NSJ_ROOT=/proc/1/root\n0\n", os.Getenv("HOME"))
	if out != want {
		t.Fatalf("got %q, want %q", out, want)
	}
	harness.Nsj(t, "-t", tg.PIDArg(), "-w", "/no/such/dir", "true").Fails(t, 125, "changing to directory /no/such/dir")
}

func TestSysfsShowsTargetInterfaces(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	if got := strings.Fields(harness.Nsj(t, "-t", tg.PIDArg(), "--sysfs", "ls", "/sys/class/net").OK(t)); !slices.Equal(got, []string{"lo"}) {
		t.Fatalf("--sysfs: /sys/class/net lists %v, want only lo", got)
	}
	host, _ := os.ReadDir("/sys/class/net")
	if got := strings.Fields(harness.Nsj(t, "-t", tg.PIDArg(), "ls", "/sys/class/net").OK(t)); len(got) != len(host) {
		t.Fatalf("without --sysfs, /sys stays the host's: got %v, host has %d entries", got, len(host))
	}
}

func TestNotRootIsRefused(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	// A copy that user nobody can reach and run.
	dir, err := os.MkdirTemp("", "nsj-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "nsj")
	if err := os.WriteFile(bin, []byte(harness.ReadFile(t, harness.NsjPath(t))), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-t", tg.PIDArg(), "true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Run()
	r := harness.Result{Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()}
	r.Fails(t, 125, "needs root")
}

// A target that exits after nsj opened its namespaces: nsj says so and
// never joins another process (the test stops nsj right before the join).
func TestTargetExitingDuringJoinIsReported(t *testing.T) {
	joinWhileTargetExits(t, nil).Fails(t, 125, "the target exited")
}

// joinWhileTargetExits runs nsj -t PID true, stops it once the target's
// namespaces are open, lets the target exit, and lets nsj go on.
func joinWhileTargetExits(t *testing.T, env []string) harness.Result {
	t.Helper()
	tg := harness.StartTarget(t, "sleep 100000")
	cmd, out := harness.StartStopped(t, env, "exec", "-t", tg.PIDArg(), "true")
	tg.Kill()
	harness.WaitFor(t, 10*time.Second, "the target to exit", func() bool {
		_, err := os.Stat(fmt.Sprintf("/proc/%d/ns", tg.PID))
		return err != nil
	})
	cmd.Process.Signal(syscall.SIGCONT)
	cmd.Wait()
	return harness.Result{Stdout: out.Stdout.String(), Stderr: out.Stderr.String(), Code: cmd.ProcessState.ExitCode()}
}

// The user namespace is joined only when --ns names it, and last.
func TestUserNamespaceIsJoinedOnlyWhenAsked(t *testing.T) {
	pid := startUserNSTarget(t, "--map-root-user")
	uidMap := func(r harness.Result) string { return strings.Join(strings.Fields(r.OK(t)), " ") }
	if got := uidMap(harness.Nsj(t, "-t", pid, "cat", "/proc/self/uid_map")); got != "0 0 4294967295" {
		t.Fatalf("by default the command's uid_map is %q, want the host's", got)
	}
	if got := uidMap(harness.Nsj(t, "-t", pid, "--ns", "user,net,pid", "cat", "/proc/self/uid_map")); got != "0 0 1" {
		t.Fatalf("with --ns user the command's uid_map is %q, want the target's 0 0 1", got)
	}
	if got := harness.Nsj(t, "-t", pid, "--ns", "user,pid", "ps", "-e", "-o", "pid=").OK(t); strings.Fields(got)[0] != "1" {
		t.Fatalf("in the user and pid namespaces, ps shows %q", got)
	}
}
