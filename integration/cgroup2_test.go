package integration

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The cgroup v2 bed (docs/compatibility.md): with NSJ_CGROUP=2 (make
// test-cgroup2), the suite's containerd, and so its shims and runc, run in a
// private mount namespace whose /sys/fs/cgroup is a fresh cgroup2 mount:
// runc and containerd pick the cgroup layout from it, as on a node booted
// with the unified hierarchy. nsj and the tests stay in the host's view; on
// a hybrid host the containers' cgroups are then under
// /sys/fs/cgroup/unified, where cleanup finds them (cgroupRoots).

// cgroup2Bed reports whether the suite runs its containers on cgroup v2.
func cgroup2Bed() bool { return os.Getenv("NSJ_CGROUP") == "2" }

// inCgroup2View runs cmd in a private mount namespace with cgroup2 at
// /sys/fs/cgroup (unshare execs, so cmd's PID stays the daemon's).
func inCgroup2View(cmd *exec.Cmd) *exec.Cmd {
	const script = `set -e
mount -t cgroup2 cgroup2 /sys/fs/cgroup
exec "$@"`
	args := append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", cmd.Path}, cmd.Args[1:]...)
	return exec.Command("unshare", args...)
}

// A task with a cgroup namespace (what containerd's CRI and Docker give
// every container on cgroup v2) sees its own cgroup as "/", and so does the
// host's cat that nsj runs in it, because nsj joins that namespace by
// default; without it (--ns pid) cat sees the host's path. On the cgroup v2
// bed, runc put the task in a cgroup of the unified hierarchy only: its
// cgroup v1 lines (a hybrid kernel lists them all) are not its own.
func TestCgroupNamespaceShowsTheContainersCgroupAsRoot(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, "nsj-cgroup", uniqueID("cg"), WithArgs("sleep", "100000"),
		WithSpecOpts(oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.CgroupNamespace})))
	inside := nsjAt(t, c, "-n", tk.Namespace, tk.ID, "cat", "/proc/1/cgroup").ok(t)
	if line := unifiedLine(inside); line != "0::/" {
		t.Fatalf("inside the task (cgroup namespace joined) its cgroup is %q, want 0::/; /proc/1/cgroup:\n%s", line, inside)
	}
	outside := nsjAt(t, c, "-n", tk.Namespace, "--ns", "pid", tk.ID, "cat", "/proc/1/cgroup").ok(t)
	if line := unifiedLine(outside); !strings.HasPrefix(line, "0::"+c.CgroupParent+"/") {
		t.Fatalf("from the host's cgroup namespace the task's cgroup is %q, want under %s", line, c.CgroupParent)
	}
	// A host booted with cgroup v2 only has no v1 layout to compare with.
	_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
	v2 := cgroup2Bed() || err == nil
	inV1 := strings.Contains(strings.TrimSuffix(outside, line(outside)), c.CgroupParent)
	if v2 == inV1 {
		t.Fatalf("on cgroup v%s, the task's /proc/1/cgroup is:\n%s", map[bool]string{true: "2", false: "1"}[v2], outside)
	}
}

// unifiedLine is the cgroup v2 line ("0::PATH") of a /proc/PID/cgroup.
func unifiedLine(cgroup string) string {
	for _, l := range strings.Split(cgroup, "\n") {
		if strings.HasPrefix(l, "0::") {
			return l
		}
	}
	return ""
}

// line is the unified line with its newline, to cut it off.
func line(cgroup string) string { return unifiedLine(cgroup) + "\n" }
