package integration

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
)

// Containers in user namespaces of their own: nsj --ns user makes the
// command the root of the container's user namespace, as nsenter -U does
// (docs/security.md, defence 15).

// The session: in a user-namespaced container, nsj --ns user,net,pid
// runs the command as the container's root, with every capability there:
// it may change the container's network devices.
func TestUserNamespaceCommandIsTheContainersRoot(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-userns", harness.UniqueID("userns"), harness.WithSpecOpts(harness.WithUserNamespace()))
	join := []string{"-n", tk.Namespace, "--ns", "user,net,pid", tk.ID}
	if got := harness.NsjAt(t, c, append(join, "id")...).OK(t); !strings.HasPrefix(got, "uid=0(root) gid=0(root)") || strings.Contains(got, "groups=0(root),") {
		t.Errorf("id in the container's user namespace: %q, want uid 0, gid 0 and no other group", got)
	}
	status := harness.NsjAt(t, c, append(join, "cat", "/proc/self/status")...).OK(t)
	if eff, bnd := statusField(status, "CapEff"), statusField(status, "CapBnd"); eff == "" || eff != bnd || eff == "0000000000000000" {
		t.Errorf("the command's effective capabilities %q, bounding %q: want the full set in the namespace", eff, bnd)
	}
	if got := statusField(status, "Uid"); got != "0\t0\t0\t0" {
		t.Errorf("Uid line %q, want 0 for real, effective, saved and filesystem uid", got)
	}
	out := harness.NsjAt(t, c, append(join, "sh", "-c", "ip link set lo mtu 1500 && ip -o link show lo")...).OK(t)
	if !strings.Contains(out, " mtu 1500 ") {
		t.Errorf("ip link set lo mtu 1500 in the container: %q", out)
	}
	// nsj's host uid 0 is not mapped in there: from the host's user
	// namespace the command's files would be owned by harness.UsernsHostUID.
	if got := strings.Fields(harness.NsjAt(t, c, append(join, "cat", "/proc/self/uid_map")...).OK(t)); strings.Join(got, " ") != "0 200000 65536" {
		t.Errorf("uid_map %q", got)
	}
	// The same in the container's own mount namespace, where --fs container
	// joins the user namespace unasked.
	fsJoin := []string{"-n", tk.Namespace, "--fs", "container", tk.ID, harness.StaticBusybox(t)}
	if got := harness.NsjAt(t, c, append(fsJoin, "id", "-u")...).OK(t); got != "0\n" {
		t.Errorf("--fs container: id -u %q, want 0", got)
	}
}

// The kernel clears the parent-death signal when the uid changes: nsj sets
// it again after becoming the namespace's root, so that the command still
// dies with nsj.
func TestKilledNsjTakesTheUserNamespacedCommandAlong(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-userns", harness.UniqueID("pdeath"), harness.WithSpecOpts(harness.WithUserNamespace()))
	killNsjAndWaitForItsCommand(t, "-a", c.Address, "-n", tk.Namespace, "--ns", "user,pid", tk.ID)
}

// statusField is the value of a "Key:\tvalue" line of /proc/PID/status.
func statusField(status, key string) string {
	for _, line := range strings.Split(status, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// startUserNSTarget runs sleep as pid 1 of new user, pid and network
// namespaces that unshare makes with the uid and gid mapping flags it is
// given, and returns its PID for -t. The test's cleanup kills it.
func startUserNSTarget(t *testing.T, mapping ...string) string {
	t.Helper()
	harness.NsjPath(t)
	args := append(append([]string{"--user"}, mapping...), "--fork", "--kill-child", "--pid", "--mount-proc", "--net",
		"sh", "-c", "echo ready; exec sleep 100000")
	cmd := exec.Command("unshare", args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	buf := make([]byte, 6)
	if n, _ := out.Read(buf); string(buf[:n]) != "ready\n" {
		t.Fatalf("the user-namespace target did not start: %q", buf[:n])
	}
	return fmt.Sprint(harness.ChildOf(cmd.Process.Pid))
}

// --preserve-credentials keeps nsj's own uid, as nsenter's option does: host
// uid 0, unmapped in the container (65534), without capabilities there.
func TestPreservedCredentialsKeepNsjsUnmappedUser(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-userns", harness.UniqueID("keep"), harness.WithSpecOpts(harness.WithUserNamespace()))
	join := []string{"-n", tk.Namespace, "--ns", "user,net,pid", "--preserve-credentials", tk.ID}
	if got := harness.NsjAt(t, c, append(join, "id", "-u")...).OK(t); got != "65534\n" {
		t.Errorf("id -u with --preserve-credentials: %q, want 65534", got)
	}
	if got := statusField(harness.NsjAt(t, c, append(join, "cat", "/proc/self/status")...).OK(t), "CapEff"); got != "0000000000000000" {
		t.Errorf("effective capabilities %q, want none", got)
	}
	harness.NsjAt(t, c, "-n", tk.Namespace, "--preserve-credentials", tk.ID, "true").Fails(t, 125, "--preserve-credentials keeps nsj's credentials in the container's user namespace, which nsj joins only with --ns user")
}

// A user namespace without uid 0 has no root to become: nsj says so and
// what to do; with --preserve-credentials the command runs as nsj's own
// uid mapped there. A namespace that denies setgroups(2) is joined all the
// same: nsj drops its groups before it joins.
func TestUserNamespaceWithoutRootNeedsPreservedCredentials(t *testing.T) {
	pid := startUserNSTarget(t, "--map-user=1000", "--map-group=1000")
	harness.Nsj(t, "-t", pid, "--log-level", "error", "--ns", "user,net,pid", "id").Fails(t, 125, "it maps no uid or gid 0; add --preserve-credentials")
	if got := harness.Nsj(t, "-t", pid, "--ns", "user,net,pid", "--preserve-credentials", "id", "-u").OK(t); got != "1000\n" {
		t.Errorf("id -u with --preserve-credentials: %q, want nsj's uid 0 as the namespace maps it, 1000", got)
	}
	deny := startUserNSTarget(t, "--map-root-user") // unshare -r denies setgroups
	if got := harness.ReadFile(t, "/proc/"+deny+"/setgroups"); got != "deny\n" {
		t.Fatalf("/proc/%s/setgroups: %q, want deny", deny, got)
	}
	if got := harness.Nsj(t, "-t", deny, "--ns", "user,net,pid", "id").OK(t); got != "uid=0(root) gid=0(root) groups=0(root)\n" {
		t.Errorf("id in a namespace that denies setgroups: %q", got)
	}
}

// Defence 4 for user-namespaced containers and --target-pid processes: a
// container's capabilities count where they reach the command. In a user
// namespace of its own, CAP_SYS_PTRACE reaches it only when --ns user puts
// the command there; a -t PID target is judged by its own capabilities.
// Each warning is on stderr before nsj has opened anything of the target.
func TestRiskWarningsFollowWhereTheCommandRuns(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-userns", harness.UniqueID("risky"),
		harness.WithSpecOpts(harness.WithUserNamespace(), oci.WithAddedCapabilities([]string{"CAP_SYS_PTRACE", "CAP_SYS_ADMIN"})))
	task := "task nsj-userns/" + tk.ID
	full := harness.StartTargetWith(t, "", "sleep 100000").PIDArg()
	ptrace := harness.StartTargetWith(t, "setpriv --bounding-set=-sys_admin --", "sleep 100000").PIDArg()
	userns := startUserNSTarget(t, "--map-root-user") // its root is the host's
	for _, tc := range []struct {
		name  string
		flags []string
		want  []string // the warnings, in order
	}{
		{"task, its user namespace left out", []string{"-a", c.Address, "-n", tk.Namespace, tk.ID}, nil},
		{"task, its user namespace joined", []string{"-a", c.Address, "-n", tk.Namespace, "--ns", "user,net,pid", tk.ID},
			[]string{task + " has CAP_SYS_PTRACE in its user namespace, which --ns user puts the command in: "}},
		{"task, credentials kept", []string{"-a", c.Address, "-n", tk.Namespace, "--ns", "user,net,pid", "--preserve-credentials", tk.ID},
			[]string{task + " has CAP_SYS_PTRACE in its user namespace, where the command stays the host's uid 0 "}},
		{"PID with every capability", []string{"-t", full},
			[]string{"PID " + full + " is privileged: ", "PID " + full + " has CAP_SYS_PTRACE: "}},
		{"PID with CAP_SYS_PTRACE", []string{"-t", ptrace}, []string{"PID " + ptrace + " has CAP_SYS_PTRACE: "}},
		{"PID like a default container", []string{"-t", harness.StartTarget(t, "sleep 100000").PIDArg()}, nil},
		{"PID in a user namespace, left out", []string{"-t", userns}, nil},
		{"PID in a user namespace whose root is the host's, joined", []string{"-t", userns, "--ns", "user,net,pid"},
			[]string{"PID " + userns + " has CAP_SYS_PTRACE in its user namespace, where the command stays the host's uid 0 "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stderr := strings.TrimSpace(harness.StderrBeforeOpening(t, tc.flags...))
			var lines []string
			if stderr != "" {
				lines = strings.Split(stderr, "\n")
			}
			if len(lines) != len(tc.want) {
				t.Fatalf("stderr before the join: %q; want %d warnings %q", stderr, len(tc.want), tc.want)
			}
			for i, want := range tc.want {
				if !strings.HasPrefix(lines[i], "nsj: warning: "+want) {
					t.Errorf("warning %d: %q, want it to start %q", i, lines[i], want)
				}
			}
		})
	}
}
