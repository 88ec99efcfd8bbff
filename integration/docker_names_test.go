package integration

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// Docker tests: a Docker user names containers as docker run --name did,
// and nsj finds them through dockerd. Run under flock /tmp/nsj-docker.lock.

func TestDockerNameJoinsTheContainer(t *testing.T) {
	d := harness.SharedDockerd(t)
	d.RunContainer(t, "web", "--network", "none", "--hostname", "web-host")
	if got := strings.TrimSpace(harness.NsjDocker(t, d, "web", "hostname").OK(t)); got != "web-host" {
		t.Fatalf("nsj web hostname printed %q, want the container's web-host", got)
	}
	ps := harness.NsjDocker(t, d, "web", "ps", "-o", "pid=,args=").OK(t)
	if first := strings.Fields(strings.Split(strings.TrimSpace(ps), "\n")[0]); len(first) < 2 || first[0] != "1" || first[1] != "sleep" {
		t.Fatalf("nsj web ps shows\n%s\nwant the container's sleep as pid 1", ps)
	}
}

func TestDockerNameAndContainerIDCollide(t *testing.T) {
	d := harness.SharedDockerd(t)
	const word = "clash"
	d.RunContainer(t, word, "--network", "none", "--hostname", "docker-clash")
	// A ctr container whose ID is the word, in namespace default of the
	// same containerd.
	d.Containerd.RunTask(t, "default", word)
	r := harness.NsjDocker(t, d, word, "hostname")
	r.Fails(t, 125, `"clash" names 2 containers`)
	for _, want := range []string{`container ID "clash" in namespace "default" (pick it with: nsj -n default clash)`,
		`Docker name "clash" in namespace "moby"`, `(pick it with: nsj -n moby clash)`} {
		if !strings.Contains(r.Stderr, want) {
			t.Fatalf("the ambiguity error %q does not say %q", r.Stderr, want)
		}
	}
	if got := strings.TrimSpace(harness.NsjDocker(t, d, "-n", "default", word, "hostname").OK(t)); got != word {
		t.Fatalf("nsj -n default clash joined %q, want the ctr container", got)
	}
	if got := strings.TrimSpace(harness.NsjDocker(t, d, "-n", "moby", word, "hostname").OK(t)); got != "docker-clash" {
		t.Fatalf("nsj -n moby clash joined %q, want Docker's", got)
	}
}

func TestDockerHostNetworkAndPIDAreTheHosts(t *testing.T) {
	d := harness.SharedDockerd(t)
	d.RunContainer(t, "hostnet", "--network", "host", "--pid", "host")
	for _, typ := range []string{"net", "pid"} {
		host, err := os.Readlink("/proc/self/ns/" + typ)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(harness.NsjDocker(t, d, "hostnet", "readlink", "/proc/self/ns/"+typ).OK(t)); got != host {
			t.Errorf("%s namespace in the --%s host container: %s, want the host's %s", typ, typ, got, host)
		}
	}
	// --inspect says so: the spec names /var/run/docker/netns/default for
	// the network, which is the host's own by inode.
	var info struct {
		Name, Image string
		Namespaces  []struct {
			Type    string
			Private bool
			Sharing string
		}
	}
	if err := json.Unmarshal([]byte(harness.NsjDocker(t, d, "--inspect", "hostnet").OK(t)), &info); err != nil {
		t.Fatal(err)
	}
	if info.Name != "hostnet" || info.Image != harness.DockerImage {
		t.Fatalf("--inspect says name %q image %q, want hostnet and %s", info.Name, info.Image, harness.DockerImage)
	}
	shared := map[string]bool{}
	for _, n := range info.Namespaces {
		shared[n.Type] = !n.Private && n.Sharing == "shared with host"
	}
	if !shared["net"] || !shared["pid"] {
		t.Errorf("--inspect of a --network host --pid host container: %+v; want net and pid shared with host", info.Namespaces)
	}
	var listed []struct {
		Name       string
		Namespaces []string
	}
	if err := json.Unmarshal([]byte(harness.NsjDocker(t, d, "--list", "-n", "moby", "-o", "json").OK(t)), &listed); err != nil {
		t.Fatal(err)
	}
	row := false
	for _, e := range listed {
		if e.Name != "hostnet" {
			continue
		}
		row = true
		if slices.Contains(e.Namespaces, "net") || slices.Contains(e.Namespaces, "pid") || !slices.Contains(e.Namespaces, "uts") {
			t.Errorf("--list NAMESPACES of the --network host --pid host container: %v; want uts but neither net nor pid", e.Namespaces)
		}
	}
	if !row {
		t.Errorf("--list -o json has no entry named hostnet: %+v", listed)
	}
}

func TestDockerPausedContainerHintsDockerUnpause(t *testing.T) {
	d := harness.SharedDockerd(t)
	d.RunContainer(t, "frozen", "--network", "none")
	d.Docker(t, "pause", "frozen")
	t.Cleanup(func() { d.Run("unpause", "frozen") })
	r := harness.NsjDocker(t, d, "frozen", "true")
	r.OK(t)
	if !strings.Contains(r.Stderr, "stay frozen until `docker unpause frozen`") {
		t.Fatalf("paused warning %q does not say docker unpause frozen", r.Stderr)
	}
}

func TestDockerStoppedContainerHintsDockerStart(t *testing.T) {
	d := harness.SharedDockerd(t)
	d.RunContainer(t, "halted", "--network", "none")
	d.Docker(t, "stop", "-t", "1", "halted")
	harness.NsjDocker(t, d, "halted", "true").Fails(t, 125, `Docker container "halted"`)
	r := harness.NsjDocker(t, d, "halted", "true")
	if !strings.Contains(r.Stderr, "start it with: docker start halted") {
		t.Fatalf("stopped container error %q does not say docker start halted", r.Stderr)
	}
}

func TestDockerListShowsNamesAndImages(t *testing.T) {
	d := harness.SharedDockerd(t)
	id := d.RunContainer(t, "listed", "--network", "none")
	table := harness.NsjDocker(t, d, "--list", "-n", "moby").OK(t)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if strings.Join(strings.Fields(lines[0]), " ") != "TASK NAME PID STATUS NAMESPACES IMAGE" {
		t.Fatalf("--list header %q, want a NAME column", lines[0])
	}
	found := false
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if f[0] == id {
			found = f[1] == "listed" && f[len(f)-1] == harness.DockerImage
		}
	}
	if !found {
		t.Fatalf("--list does not show %s as listed with image %s:\n%s", id, harness.DockerImage, table)
	}
	var entries []struct{ ID, Name, Image string }
	if err := json.Unmarshal([]byte(harness.NsjDocker(t, d, "--list", "-n", "moby", "-o", "json").OK(t)), &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.ID == id && (e.Name != "listed" || e.Image != harness.DockerImage) {
			t.Fatalf("--list -o json: %+v, want name listed and image %s", e, harness.DockerImage)
		}
	}
}

func TestDockerAllPrefixesLinesWithNames(t *testing.T) {
	d := harness.SharedDockerd(t)
	d.RunContainer(t, "fan", "--network", "none", "--hostname", "fan-host")
	out := harness.NsjDocker(t, d, "-n", "moby", "--all", "hostname").OK(t)
	if !strings.Contains(out, "fan: fan-host\n") {
		t.Fatalf("nsj --all output\n%s\nhas no line \"fan: fan-host\"", out)
	}
}
