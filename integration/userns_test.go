package integration

import (
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Containers in user namespaces of their own: nsj --ns user makes the
// command the root of the container's user namespace, as nsenter -U does
// (docs/security.md, defence 9).

// usernsHostUID is the host uid of root in the tests' user-namespaced
// containers; they map 65536 uids and gids from there.
const usernsHostUID = 200000

// withUserNamespace gives a container a user namespace of its own, whose
// root is host uid usernsHostUID. runc creates its other namespaces inside
// it, so they are owned by it: its network namespace, for one.
func withUserNamespace() oci.SpecOpts {
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: usernsHostUID, Size: 65536}}
	return oci.WithUserNamespace(m, m)
}

// The session: in a user-namespaced container, nsj --ns user,net,pid
// runs the command as the container's root, with every capability there:
// it may change the container's network devices.
func TestUserNamespaceCommandIsTheContainersRoot(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, "nsj-userns", uniqueID("userns"), WithSpecOpts(withUserNamespace()))
	join := []string{"-n", tk.Namespace, "--ns", "user,net,pid", tk.ID}
	if got := nsjAt(t, c, append(join, "id")...).ok(t); !strings.HasPrefix(got, "uid=0(root) gid=0(root)") || strings.Contains(got, "groups=0(root),") {
		t.Errorf("id in the container's user namespace: %q, want uid 0, gid 0 and no other group", got)
	}
	status := nsjAt(t, c, append(join, "cat", "/proc/self/status")...).ok(t)
	if eff, bnd := statusField(status, "CapEff"), statusField(status, "CapBnd"); eff == "" || eff != bnd || eff == "0000000000000000" {
		t.Errorf("the command's effective capabilities %q, bounding %q: want the full set in the namespace", eff, bnd)
	}
	if got := statusField(status, "Uid"); got != "0\t0\t0\t0" {
		t.Errorf("Uid line %q, want 0 for real, effective, saved and filesystem uid", got)
	}
	out := nsjAt(t, c, append(join, "sh", "-c", "ip link set lo mtu 1500 && ip -o link show lo")...).ok(t)
	if !strings.Contains(out, " mtu 1500 ") {
		t.Errorf("ip link set lo mtu 1500 in the container: %q", out)
	}
	// nsj's host uid 0 is not mapped in there: from the host's user
	// namespace the command's files would be owned by usernsHostUID.
	if got := strings.Fields(nsjAt(t, c, append(join, "cat", "/proc/self/uid_map")...).ok(t)); strings.Join(got, " ") != "0 200000 65536" {
		t.Errorf("uid_map %q", got)
	}
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
