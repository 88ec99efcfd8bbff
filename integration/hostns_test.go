package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// A namespace the spec lists is private only if it is not the host's
// (issue 13): Docker's --network host names a netns file that is the
// host's own, and --pid host lists no pid namespace at all.

// hostNetFile bind-mounts the host's network namespace (nsj's own) onto a file of the
// test's own, as Docker's /var/run/docker/netns/default is, and unmounts
// it when the test ends.
func hostNetFile(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "hostnet")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("/proc/self/ns/net", path, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
			t.Error(err)
		}
	})
	return path
}

func TestHostNamespacesInTheSpecAreNotPrivate(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := "nsj-hostns"
	netPath := hostNetFile(t)
	tk := c.RunTask(t, ns, harness.UniqueID("hostnet-path"), harness.WithSpecOpts(
		oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: netPath}),
		oci.WithHostNamespace(specs.PIDNamespace)))
	var info struct {
		Namespaces []struct {
			Type, Sharing, Path string
			Private             bool
		}
	}
	if err := json.Unmarshal([]byte(harness.NsjAt(t, c, "-n", ns, "--inspect", tk.ID).OK(t)), &info); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, n := range info.Namespaces {
		seen[n.Type] = true
		switch n.Type {
		case "net", "pid":
			if n.Private || n.Sharing != "shared with host" {
				t.Errorf("--inspect %s: private %v, sharing %q; want shared with host", n.Type, n.Private, n.Sharing)
			}
		case "uts":
			if !n.Private || n.Sharing != "" {
				t.Errorf("--inspect uts: private %v, sharing %q", n.Private, n.Sharing)
			}
		}
	}
	for _, typ := range []string{"net", "pid", "uts"} {
		if !seen[typ] {
			t.Errorf("--inspect lists no %s namespace: %+v", typ, info.Namespaces)
		}
	}
	table := harness.NsjAt(t, c, "--list", "-n", ns).OK(t)
	row := false
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != tk.ID {
			continue
		}
		row = true
		if len(f) < 4 || strings.Contains(f[3], "net") || strings.Contains(f[3], "pid") || !strings.Contains(f[3], "uts") {
			t.Errorf("--list row %q: want NAMESPACES with uts but neither net nor pid", line)
		}
	}
	if !row {
		t.Errorf("--list has no row for %s:\n%s", tk.ID, table)
	}
	// The command runs in the host's network, with no word about it.
	r := harness.NsjAt(t, c, "-n", ns, tk.ID, "readlink", "/proc/self/ns/net")
	host, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(r.OK(t)) != host || r.Stderr != "" {
		t.Errorf("ran in %q (stderr %q), want the host's %q and nothing said", r.Stdout, r.Stderr, host)
	}
}
