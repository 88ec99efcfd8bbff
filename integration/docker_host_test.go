package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// TestDockerBedLeavesTheHostAsItWas starts a dockerd of its own, runs
// containers in it, joins one, stops it all, and compares what Docker could
// have changed on the host: mounts, links, iptables rules, cgroups and the
// directories Docker uses by default. Only Docker's traces are compared:
// other tests may run their own containerds meanwhile.
func TestDockerBedLeavesTheHostAsItWas(t *testing.T) {
	harness.RequireRoot(t)
	harness.RequireBinaries(t, "dockerd", "containerd", "runc", "containerd-shim-runc-v2", "ip", "iptables")
	rootfs := harness.BusyboxRootfs(t)
	before := dockerTraces(t)
	d, err := harness.NewDockerd(rootfs)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			d.Stop()
		}
	})
	d.Docker(t, "run", "-d", "--name", "bed", "--network", "none", harness.DockerImage, "sleep", "100000")
	d.Docker(t, "run", "-d", "--name", "bed-host", "--network", "host", harness.DockerImage, "sleep", "100000")
	d.Docker(t, "pause", "bed-host")
	harness.NsjDocker(t, d, "bed", "true").OK(t)
	dir := d.Dir
	stopped = true
	if err := d.Stop(); err != nil {
		t.Error(err)
	}
	if after := dockerTraces(t); after != before {
		t.Errorf("Docker's traces on the host changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if left := harness.ProcessesNaming(dir); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is left: %v", dir, err)
	}
}

// dockerTraces is what Docker can leave on a host, one fact a line.
func dockerTraces(t *testing.T) string {
	t.Helper()
	var out []string
	for _, f := range []string{"/proc/1/mountinfo", "/proc/self/mountinfo"} {
		for _, l := range strings.Split(harness.ReadFile(t, f), "\n") {
			if strings.Contains(l, "docker") || strings.Contains(l, "nsj-dk-") {
				out = append(out, "mount "+l)
			}
		}
	}
	links, _ := exec.Command("ip", "-o", "link").Output()
	for _, l := range strings.Split(string(links), "\n") {
		if f := strings.Fields(l); len(f) > 1 && (strings.HasPrefix(f[1], "docker") || strings.HasPrefix(f[1], "br-")) {
			out = append(out, "link "+f[1])
		}
	}
	for _, table := range []string{"filter", "nat"} {
		rules, _ := exec.Command("iptables", "-t", table, "-S").Output()
		for _, l := range strings.Split(string(rules), "\n") {
			if strings.Contains(l, "DOCKER") {
				out = append(out, "iptables "+l)
			}
		}
	}
	for _, root := range harness.CgroupRoots() {
		for _, pattern := range []string{"docker", "nsj-dk-*"} {
			matches, _ := filepath.Glob(filepath.Join(root, pattern))
			for _, m := range matches {
				out = append(out, "cgroup "+m)
			}
		}
	}
	for _, p := range []string{"/run/docker", "/etc/docker", "/var/lib/docker", "/var/run/docker.sock", "/run/docker.sock"} {
		_, err := os.Lstat(p)
		out = append(out, fmt.Sprintf("path %s exists: %v", p, err == nil))
	}
	return strings.Join(out, "\n")
}
