package integration

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/runtime"
)

// Docker as Debian and Ubuntu install it (issue 21 item 4): dockerd runs
// its containers on the system containerd (/run/containerd/containerd.sock),
// not on one of its own. Each test runs nsj in a private /run whose default
// sockets lead to the bed's (nsjOnNode). Run under flock /tmp/nsj-docker.lock.

// -a with Docker's API socket names the containerd that holds Docker's
// namespace, here the system one; with none holding it, it says so.
func TestDockerAPISocketNamesTheContainerdHoldingMoby(t *testing.T) {
	d := harness.SharedDockerd(t)
	d.RunContainer(t, harness.UniqueID("moby-holder"), "--network", "none")
	// dockerd's API socket where Docker puts it (/var/run is /run): nsj
	// tells it by its name, as dockerd 20.10 answers HTTP/2's preface
	// without a header that names Docker.
	const api = "/var/run/docker.sock"
	system := nodeRun{links: map[string]string{runtime.DefaultSockets[0]: d.ContainerdSocket, "/run/docker.sock": d.Socket}}
	nsjOnNode(t, system, "-a", api, "--list").Fails(t, 125, fmt.Sprintf(
		`%s is Docker's API socket (HTTP); nsj talks to containerd: -a %s (it holds Docker's namespace "moby")`, api, runtime.DefaultSockets[0]))
	alone := nodeRun{links: map[string]string{"/run/docker.sock": d.Socket}}
	nsjOnNode(t, alone, "-a", api, "--list").Fails(t, 125, fmt.Sprintf(
		`%s is Docker's API socket (HTTP); nsj talks to containerd, and no containerd at %s holds Docker's namespace "moby"`,
		api, strings.Join(runtime.DefaultSockets, ", ")))
}

// A DOCKER_HOST nsj cannot ask is named, with why, where it matters: on
// the not-found error of a name, and as a warning of --list when Docker's
// containers lose their NAME and IMAGE.
func TestDockerHostNsjCannotAskIsSaid(t *testing.T) {
	d := harness.SharedDockerd(t)
	name := harness.UniqueID("unasked")
	d.RunContainer(t, name, "--network", "none")
	for host, why := range map[string]string{
		"ssh://me@docker.example":  "nsj asks dockerd at unix:// or tcp:// (plain HTTP) only",
		"unix:///nonexistent.sock": "stat /nonexistent.sock: no such file or directory",
	} {
		node := nodeRun{links: map[string]string{runtime.DefaultSockets[0]: d.ContainerdSocket}, env: []string{"DOCKER_HOST=" + host}}
		r := nsjOnNode(t, node, name, "true")
		r.Fails(t, 125, fmt.Sprintf(`no task %q`, name))
		if want := fmt.Sprintf("; Docker names not looked up: DOCKER_HOST=%s: %s\n", host, why); !strings.HasSuffix(r.Stderr, want) {
			t.Errorf("DOCKER_HOST=%s nsj %s: stderr %q; want it to end %q", host, name, r.Stderr, want)
		}
		r = nsjOnNode(t, node, "--list", "-n", "moby")
		if want := fmt.Sprintf("Docker names and images not shown: dockerd was not asked: DOCKER_HOST=%s: %s", host, why); r.Code != 0 || !strings.Contains(r.Stderr, want) {
			t.Errorf("DOCKER_HOST=%s nsj --list -n moby: exit %d, stderr %q; want 0 and a warning %q", host, r.Code, r.Stderr, want)
		}
	}
}

// DOCKER_HOST=tcp:// without TLS is asked as the unix socket is: here a
// TCP port forwarded to the bed's API socket.
func TestDockerHostTCPFindsNames(t *testing.T) {
	d := harness.SharedDockerd(t)
	name := harness.UniqueID("over-tcp")
	d.RunContainer(t, name, "--network", "none")
	node := nodeRun{links: map[string]string{runtime.DefaultSockets[0]: d.ContainerdSocket},
		env: []string{"DOCKER_HOST=tcp://" + forwardTCP(t, d.Socket)}}
	nsjOnNode(t, node, name, "true").OK(t)
	if out := nsjOnNode(t, node, "--list", "-n", "moby").OK(t); !strings.Contains(out, name) || !strings.Contains(out, harness.DockerImage) {
		t.Errorf("--list -n moby over tcp:// lacks %s and %s:\n%s", name, harness.DockerImage, out)
	}
}

// --debug names the containerd that has the task: Docker's own, beside
// the system one.
func TestDebugNamesTheContainerdOfTheTask(t *testing.T) {
	d := harness.SharedDockerd(t)
	plain := harness.SharedContainerd(t)
	name := harness.UniqueID("debugged")
	d.RunContainer(t, name, "--network", "none")
	node := nodeRun{links: map[string]string{
		runtime.DefaultSockets[0]:      plain.Address,
		runtime.DockerContainerdSocket: d.ContainerdSocket,
	}, env: []string{"DOCKER_HOST=unix://" + d.Socket}}
	r := nsjOnNode(t, node, "--debug", name, "true")
	r.OK(t)
	if want := "containerd at " + runtime.DockerContainerdSocket; !strings.Contains(r.Stderr, want) {
		t.Errorf("nsj --debug %s: stderr lacks %q:\n%s", name, want, r.Stderr)
	}
}

// forwardTCP forwards a TCP port on 127.0.0.1 to the unix socket sock
// until the test ends, and returns HOST:PORT.
func forwardTCP(t *testing.T, sock string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("unix", sock)
			if err != nil {
				in.Close()
				continue
			}
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return l.Addr().String()
}
