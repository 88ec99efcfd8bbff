package integration

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
)

// Under --fs container the command has the container's credentials, so the
// container's root can reach it: it must hold nothing of the host's that a
// runc exec process lacks (docs/security.md, defences 18 and 19). Here: the
// host's namespaces, and the operator's environment. The containers have
// containerd's default capabilities.

// hostReach is what the planted program (testdata/attacker, nsreach.go)
// reported: the fields of its REACH line.
func hostReach(t *testing.T, out string) map[string]string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "REACH "); ok {
			fields := map[string]string{}
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				fields[k] = v
			}
			return fields
		}
	}
	t.Fatalf("no REACH line in %q", out)
	return nil
}

// startHostVictim starts a host root process for the planted program to
// kill; the test's cleanup ends it.
func startHostVictim(t *testing.T) *exec.Cmd {
	t.Helper()
	victim := exec.Command("sleep", "100000")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { victim.Process.Kill(); victim.Wait() })
	return victim
}

// alive reports whether the victim still runs (not killed, not a zombie).
func alive(t *testing.T, victim *exec.Cmd) bool {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", victim.Process.Pid))
	return err == nil && !strings.Contains(string(st), ") Z ")
}

// hostInterfaces lists the host's network interfaces, as the planted
// program prints them.
func hostInterfaces(t *testing.T) string {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range ifaces {
		names = append(names, i.Name)
	}
	return strings.Join(names, ",")
}

// The attack of issue 19, case 2: the docs advised --ns net,uts,ipc for an
// untrusted container; under --fs container that ran the container's
// planted program, as the container's root, in the host's pid namespace,
// where it killed a host root process; --ns pid,uts,ipc left it the host's
// network, where it opened an AF_PACKET socket. nsj now refuses any --ns
// that leaves out a namespace of the container, and joined in all of them
// the program sees only the container's processes and network.
func TestFsContainerNeverLeavesTheCommandInAHostNamespace(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	a := harness.StartAttacker(t, c, "envpeek", nil) // an init that says when it runs
	victim := startHostVictim(t)
	planted := fmt.Sprintf("/attacker -mode hostreach -victim %d", victim.Process.Pid)
	run := func(ns ...string) harness.Result {
		args := append(append([]string{"-n", a.Task.Namespace, "--log-level", "error", "--fs", "container"}, ns...), a.Task.ID, busybox, "sh", "-c", planted)
		return harness.NsjAt(t, c, args...)
	}
	for _, tc := range []struct{ ns, left string }{{"net,uts,ipc", "pid"}, {"pid,uts,ipc", "net"}} {
		r := run("--ns", tc.ns)
		if strings.Contains(r.Stdout, "REACH ") {
			rep := hostReach(t, r.Stdout)
			t.Errorf("--fs container --ns %s ran the command instead of refusing (the %s namespace left out); the container's program could signal %s processes, kill the host's PID %d: %s, open AF_PACKET: %s, on interfaces %s (the host's: %s)",
				tc.ns, tc.left, rep["visible"], victim.Process.Pid, rep["kill"], rep["packet"], rep["ifaces"], hostInterfaces(t))
			continue
		}
		r.Fails(t, 125, "--ns "+tc.ns+" leaves out the "+tc.left)
	}
	if !alive(t, victim) {
		t.Fatalf("the host's victim process %d was killed", victim.Process.Pid)
	}
	// Joined as runc exec joins: the container's few processes (the host
	// has hundreds) and its network only.
	rep := hostReach(t, run().OK(t))
	if visible, err := strconv.Atoi(rep["visible"]); err != nil || visible > 20 || rep["kill"] != "ESRCH" || rep["ifaces"] != "lo" || !alive(t, victim) {
		t.Errorf("in every namespace of the container, the planted program could still signal %s processes, kill the host's %d: %s, and saw interfaces %q",
			rep["visible"], victim.Process.Pid, rep["kill"], rep["ifaces"])
	}
}

// An --ns that names every namespace of the container is what --fs
// container does anyway: accepted.
func TestFsContainerAcceptsAnNsThatNamesEveryNamespace(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("allns"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t))))
	harness.NsjAt(t, c, "-n", fsNS, "--ns", "net,pid,uts,ipc,cgroup,time", "--fs", "container", tk.ID, harness.StaticBusybox(t), "true").OK(t)
}

// The attack of issue 19, case 4: the command got all of nsj's environment,
// and the container's root (default capabilities, the command's uid) read
// the operator's secret from /proc/PID/environ. The command now gets the
// container's process.env, then -e, then nsj's TERM.
func TestFsContainerCommandGetsTheContainersEnvironmentNotTheOperators(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	const secret = "operator-secret-19-4"
	a := harness.LaunchAttacker(t, c, harness.AttackerConfig{Mode: "envpeek", Args: []string{"-secret", secret},
		Opts: []oci.SpecOpts{oci.WithEnv([]string{"PATH=/usr/bin:/bin", "APP_FROM_SPEC=spec-value", "APP_OVERRIDDEN=spec"})}})
	env := []string{"OPERATOR_AWS_SECRET_ACCESS_KEY=" + secret, "OPERATOR_MARKER=host", "TERM=xterm-nsjtest"}
	var out string
	for i := 0; i < 10 && !strings.Contains(a.Log(), "ENVIRON "); i++ {
		out = harness.NsjWith(t, env, "-a", c.Address, "-n", a.Task.Namespace, "--fs", "container", "-e", "APP_OVERRIDDEN=from-e",
			a.Task.ID, busybox, "sh", "-c", "env; sleep 0.3").OK(t)
	}
	log := a.Log()
	if !strings.Contains(log, "ENVIRON ") {
		t.Fatalf("the container's root never read the command's environ: the test proves nothing\n%s", log)
	}
	if strings.Contains(log, "SECRET ") || strings.Contains(out, secret) {
		t.Errorf("the container's root read the operator's secret in the command's environ:\n%s\nthe command's environment:\n%s", log, out)
	}
	for _, want := range []string{"APP_FROM_SPEC=spec-value\n", "APP_OVERRIDDEN=from-e\n", "TERM=xterm-nsjtest\n", "PATH=/dev/null\n", "NSJ_ROOT=/\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the command's environment lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "OPERATOR_MARKER") {
		t.Errorf("the command has nsj's environment:\n%s", out)
	}
	// -t PID: nothing of the process's environ, -e and TERM only.
	out = harness.NsjWith(t, env, "--fs", "container", "-t", fmt.Sprint(a.Task.PID), "-e", "X=1", busybox, "env").OK(t)
	if got := strings.Fields(out); strings.Join(got, " ") != "X=1 TERM=xterm-nsjtest PATH=/dev/null NSJ_ROOT=/" {
		t.Errorf("-t PID: the command's environment is %q", got)
	}
}

// A container in a user namespace of its own: --fs container joins it and
// gives the command the container's ids there; for -t PID, the process's
// ids as that namespace knows them; with --privileged, its root's.
func TestFsContainerTargetPIDInAUserNamespaceGetsItsIDsThere(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-userns", harness.UniqueID("fs-userns"), harness.WithSpecOpts(harness.WithUserNamespace()))
	busybox := harness.StaticBusybox(t)
	for _, target := range [][]string{{"-a", c.Address, "-n", tk.Namespace, tk.ID}, {"-t", fmt.Sprint(tk.PID)},
		{"--log-level", "error", "--privileged", "-a", c.Address, "-n", tk.Namespace, tk.ID}} {
		out := harness.Nsj(t, append(append([]string{"--fs", "container"}, target...), busybox, "sh", "-c", "busybox id -u; cat /proc/self/uid_map")...).OK(t)
		if f := strings.Fields(out); strings.Join(f, " ") != "0 0 200000 65536" {
			t.Errorf("%v: id -u and uid_map: %q, want the container's root in its user namespace", target, out)
		}
	}
}

// The CAP_SYS_PTRACE warning follows where the command runs: given when it
// enters the container's pid namespace, not once pid is left out (advice
// already followed, never given), not under --fs container (the container's
// own privileges: nothing to reach); with --privileged it says to drop it.
func TestRiskWarningsFollowTheJoin(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, "nsj-security", harness.UniqueID("risky-join"), harness.WithSpecOpts(oci.WithAddedCapabilities([]string{"CAP_SYS_PTRACE"})))
	for _, tc := range []struct {
		name  string
		flags []string
		want  string // the one warning's end; "" for none
	}{
		{"default", nil, "join it only if you trust it, or confine the command to the container's privileges with --fs container (static binaries)"},
		{"pid left out", []string{"--ns", "net,uts,ipc"}, ""},
		{"--fs container", []string{"--fs", "container"}, ""},
		{"--fs container --privileged", []string{"--fs", "container", "--privileged"}, "drop --privileged: confined to the container's privileges, the command holds nothing they lack"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"-a", c.Address, "-n", tk.Namespace}, tc.flags...), tk.ID)
			if slices.Contains(tc.flags, "container") {
				args = append(args, busybox)
			}
			var warnings []string
			for _, line := range strings.Split(strings.TrimSpace(harness.StderrBeforeOpening(t, args...)), "\n") {
				if strings.Contains(line, "CAP_SYS_PTRACE") {
					warnings = append(warnings, line)
				}
			}
			switch {
			case tc.want == "" && len(warnings) > 0:
				t.Errorf("warned: %q", warnings)
			case tc.want != "" && (len(warnings) != 1 || !strings.HasSuffix(warnings[0], tc.want)):
				t.Errorf("warnings %q, want one ending %q", warnings, tc.want)
			}
		})
	}
}
