package integration

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// withOOMScoreAdj sets the spec's process.oomScoreAdj, which runc writes
// for the container's init (and for `runc exec`, which ctr gives the
// spec's process).
func withOOMScoreAdj(v int) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *specs.Spec) error {
		s.Process.OOMScoreAdj = &v
		return nil
	}
}

// The container's own processes are the OOM killer's first victims
// (oom_score_adj 1000, as Kubernetes gives a best-effort pod): the command
// nsj runs among them under --fs container, which the container's root
// can trace and make run its code, must be no less of a victim than they
// are, nor than what `runc exec` starts there (docs/security.md, "The rule").
// The same for -t PID of a container's init (one without a seccomp filter,
// which nsj cannot copy from a process).
func TestFsContainerCommandHasTheContainersOOMScoreAdj(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := probeTask(t, c, withOOMScoreAdj(1000))
	initScore := strings.TrimSpace(harness.ReadFile(t, fmt.Sprintf("/proc/%d/oom_score_adj", tk.PID)))
	own := strings.TrimSpace(harness.ReadFile(t, "/proc/self/oom_score_adj"))
	runcOut, err := c.TaskExec(diffNS, tk.ID, false, "/probe").Output()
	if err != nil {
		t.Fatalf("ctr task exec /probe: %v", err)
	}
	runc := parseProbe(string(runcOut))["oom_score_adj"]
	if initScore != "1000" || runc != "1000" {
		t.Fatalf("the test bed: the container's init has oom_score_adj %s and runc exec gives %s, want 1000 for both", initScore, runc)
	}
	cat := []string{busybox, "cat", "/proc/self/oom_score_adj"}
	byName := harness.NsjAt(t, c, append([]string{"-n", diffNS, "--fs", "container", tk.ID}, cat...)...).OK(t)
	if byName != "1000\n" {
		t.Fatalf("under --fs container the command has oom_score_adj %q, want the container's 1000 (nsj's own: %s)", strings.TrimSpace(byName), own)
	}
	plain := c.RunTask(t, diffNS, harness.UniqueID("oom-pid"), harness.WithArgs("/sleep", "100000"),
		harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t)), withOOMScoreAdj(1000)))
	harness.InitStatus(t, plain)
	if byPID := harness.Nsj(t, append([]string{"--fs", "container", "-t", fmt.Sprint(plain.PID)}, cat...)...).OK(t); byPID != "1000\n" {
		t.Fatalf("under --fs container -t %d the command has oom_score_adj %q, want that process's 1000 (nsj's own: %s)", plain.PID, strings.TrimSpace(byPID), own)
	}
	// A container's score below nsj's own (Kubernetes gives a guaranteed pod
	// -997): nsj lowers its score before it joins anything, where it may
	// (down to oom_score_adj_min, or any with CAP_SYS_RESOURCE). Where the
	// kernel refuses, nsj keeps its own, higher one: the likelier victim.
	base := probeTask(t, c) // the shim's score, which runc exec gives
	baseScore := strings.TrimSpace(harness.ReadFile(t, fmt.Sprintf("/proc/%d/oom_score_adj", base.PID)))
	const raise = "echo 500 >/proc/self/oom_score_adj && "
	want := harness.RunUntil(t, exec.Command("sh", "-c", raise+"{ echo "+baseScore+" >/proc/self/oom_score_adj; cat /proc/self/oom_score_adj; }"), 10e9, nil).Stdout
	args := append([]string{"-c", raise + `exec "$@"`, "sh", harness.NsjPath(t), "-a", c.Address, "-n", diffNS, "--fs", "container", base.ID}, cat...)
	if got := harness.RunUntil(t, exec.Command("sh", args...), 30e9, nil); got.Code != 0 || got.Stdout != want {
		t.Fatalf("nsj at oom_score_adj 500, the container's %s: the command has %q (exit %d, %s), want %q (what a host process at 500 can lower itself to)",
			baseScore, strings.TrimSpace(got.Stdout), got.Code, got.Stderr, strings.TrimSpace(want))
	}
	t.Logf("nsj at 500, the container's %s: the command has %s", baseScore, strings.TrimSpace(want))
	// --privileged keeps the host's privileges, and nsj's own score with them.
	priv := harness.NsjAt(t, c, "-n", diffNS, "--fs", "container", "--privileged", tk.ID, busybox, "cat", "/proc/self/oom_score_adj").OK(t)
	if strings.TrimSpace(priv) != own {
		t.Fatalf("--privileged: oom_score_adj %q, want nsj's own %s", strings.TrimSpace(priv), own)
	}
}

// parseProbe is the probe's report, key by key.
func parseProbe(out string) map[string]string {
	r := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && probeKey.MatchString(k) {
			r[k] = v
		}
	}
	return r
}
