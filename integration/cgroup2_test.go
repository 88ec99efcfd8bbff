package integration

import (
	"os"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The cgroup v2 bed (docs/compatibility.md): with NSJ_CGROUP=2 (make
// test-cgroup2), the suite's containerd, and so its shims and runc, run in a
// private mount namespace whose /sys/fs/cgroup is a fresh cgroup2 mount:
// runc and containerd pick the cgroup layout from it, as on a node booted
// with the unified hierarchy. nsj and the tests stay in the host's view; on
// a hybrid host the containers' cgroups are then under
// /sys/fs/cgroup/unified, where cleanup finds them (cgroupRoots).

// A task with a cgroup namespace (what containerd's CRI and Docker give
// every container on cgroup v2) sees its own cgroup as "/", and so does the
// host's cat that nsj runs in it, because nsj joins that namespace by
// default; without it (--ns pid) cat sees the host's path. On the cgroup v2
// bed, runc put the task in a cgroup of the unified hierarchy only: its
// cgroup v1 lines (a hybrid kernel lists them all) are not its own.
func TestCgroupNamespaceShowsTheContainersCgroupAsRoot(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-cgroup", harness.UniqueID("cg"), harness.WithArgs("sleep", "100000"),
		harness.WithSpecOpts(oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.CgroupNamespace})))
	inside := harness.NsjAt(t, c, "-n", tk.Namespace, tk.ID, "cat", "/proc/1/cgroup").OK(t)
	if line := unifiedLine(inside); line != "0::/" {
		t.Fatalf("inside the task (cgroup namespace joined) its cgroup is %q, want 0::/; /proc/1/cgroup:\n%s", line, inside)
	}
	outside := harness.NsjAt(t, c, "-n", tk.Namespace, "--ns", "pid", tk.ID, "cat", "/proc/1/cgroup").OK(t)
	if line := unifiedLine(outside); !strings.HasPrefix(line, "0::"+c.CgroupParent+"/") {
		t.Fatalf("from the host's cgroup namespace the task's cgroup is %q, want under %s", line, c.CgroupParent)
	}
	// A host booted with cgroup v2 only has no v1 layout to compare with.
	_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
	v2 := harness.Cgroup2Bed() || err == nil
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
