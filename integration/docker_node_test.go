package integration

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/runtime"
)

// A node with Docker 20.10 beside a plain containerd (issue 13: "Docker's
// containers vanish from --list -A"): the suite's containerd on the stock
// socket and Docker's own containerd on /run/docker/containerd/containerd.sock,
// in a private /run (nsjOnNode), with DOCKER_HOST naming the bed's dockerd.
// Without -a, nsj finds Docker's container by its name and lists both.
// Run under flock /tmp/nsj-docker.lock.
func TestDockerNameIsFoundBesideTheSystemContainerd(t *testing.T) {
	d := harness.SharedDockerd(t)
	plain := harness.SharedContainerd(t)
	name := harness.UniqueID("beside")
	id := d.RunContainer(t, name, "--network", "none")
	ns := harness.UniqueID("nsj-beside")
	tk := plain.RunTask(t, ns, harness.UniqueID("plain"))
	node := nodeRun{links: map[string]string{
		runtime.DefaultSockets[0]:      plain.Address,
		runtime.DockerContainerdSocket: d.ContainerdSocket,
	}, env: []string{"DOCKER_HOST=unix://" + d.Socket}}

	pid, err := strconv.ParseUint(d.Docker(t, "inspect", "-f", "{{.State.Pid}}", name), 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	out := nsjOnNode(t, node, name, "readlink", "/proc/self/ns/uts").OK(t)
	if want := readlinkNS(t, uint32(pid), "uts"); strings.TrimSpace(out) != want {
		t.Errorf("nsj %s ran in uts %q, want the Docker container's %q", name, out, want)
	}

	table := nsjOnNode(t, node, "--list", "-A").OK(t)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if h := strings.Join(strings.Fields(lines[0]), " "); h != "SOCKET NAMESPACE TASK NAME PID STATUS NAMESPACES IMAGE" {
		t.Fatalf("--list -A header %q", h)
	}
	for _, want := range []string{
		fmt.Sprintf("%s %s %s - %d running", runtime.DefaultSockets[0], ns, tk.ID, tk.PID),
		fmt.Sprintf("%s moby %s %s %d running", runtime.DockerContainerdSocket, id, name, pid),
	} {
		if !harness.HasLineWithPrefix(lines, want) {
			t.Errorf("--list -A lacks %q:\n%s", want, table)
		}
	}
	var entries []struct{ Socket, Namespace, ID, Name, Image string }
	if err := json.Unmarshal([]byte(nsjOnNode(t, node, "--list", "-A", "-o", "json").OK(t)), &entries); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		if e.ID == tk.ID && e.Socket == runtime.DefaultSockets[0] && e.Namespace == ns && e.Name == "" ||
			e.ID == id && e.Socket == runtime.DockerContainerdSocket && e.Namespace == "moby" && e.Name == name && e.Image == harness.DockerImage {
			found++
		}
	}
	if found != 2 {
		t.Errorf("--list -A -o json: %+v; want both tasks with their socket, namespace and name", entries)
	}

	// A ctr container whose ID is the Docker name, on the other containerd:
	// an ID there and a name here, listed with what picks each.
	plain.RunTask(t, ns, name)
	nsjOnNode(t, node, name, "true").Fails(t, 125, fmt.Sprintf(`%q names 2 containers: container ID %q in namespace %q (pick it with: nsj -a %s -n %s %s), Docker name %q in namespace "moby"`,
		name, name, ns, runtime.DefaultSockets[0], ns, name, name))
	r := nsjOnNode(t, node, name, "true")
	if pick := fmt.Sprintf("(pick it with: nsj -a %s -n moby %s)", runtime.DockerContainerdSocket, name); !strings.Contains(r.Stderr, pick) {
		t.Errorf("ambiguity %q does not say %s", r.Stderr, pick)
	}
	nsjOnNode(t, node, "-a", runtime.DockerContainerdSocket, "-n", "moby", name, "true").OK(t)
}
