package integration

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/runtime"
)

// Every containerd of the node (issue 13): without -a, nsj considers every
// default socket that exists. The default paths are the host's, so these
// tests run nsj in a mount namespace of its own whose /run is a fresh
// tmpfs holding links from the default paths to the tests' containerds;
// the host's /run is never touched.

// nodeRun says how nsjOnNode sets up the node's /run.
type nodeRun struct {
	links map[string]string // default socket path -> the socket it leads to
	setup string            // more shell, run as root after the links
	as    []string          // a command nsj runs under, such as setpriv
	env   []string          // more environment for nsj, KEY=VALUE
}

// nsjOnNode runs nsj with args on the node n describes.
func nsjOnNode(t *testing.T, n nodeRun, args ...string) harness.Result {
	t.Helper()
	script := "set -e; mount -t tmpfs -o mode=0755 nsj-test-run /run; "
	paths := make([]string, 0, len(n.links))
	for p := range n.links {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		script += fmt.Sprintf("mkdir -p %s; ln -s %s %s; ", filepath.Dir(p), n.links[p], p)
	}
	if n.setup != "" {
		script += n.setup + "; "
	}
	script += `exec "$@"`
	cmdline := append([]string{"-m", "--propagation", "private", "sh", "-c", script, "sh"}, n.as...)
	cmd := exec.Command("unshare", append(append(cmdline, harness.NsjPath(t)), args...)...)
	if len(n.env) > 0 {
		cmd.Env = append(os.Environ(), n.env...)
	}
	return harness.RunUntil(t, cmd, 60*time.Second, nil)
}

// twoContainerdNode is the suite's containerd on the stock socket and a
// second one on Docker's.
func twoContainerdNode(t *testing.T) (a, b *harness.Containerd, n nodeRun) {
	a, b = harness.SharedContainerd(t), harness.StartContainerd(t)
	return a, b, nodeRun{links: map[string]string{
		runtime.DefaultSockets[0]:      a.Address,
		runtime.DockerContainerdSocket: b.Address,
	}}
}

func TestTaskOnSecondContainerdIsFoundWithoutAddress(t *testing.T) {
	_, b, node := twoContainerdNode(t)
	tk := b.RunTask(t, harness.UniqueID("nsj-node"), harness.UniqueID("only-b"))
	out := nsjOnNode(t, node, tk.ID, "readlink", "/proc/self/ns/uts").OK(t)
	if want := readlinkNS(t, tk.PID, "uts"); strings.TrimSpace(out) != want {
		t.Errorf("ran in uts %q, want the task's %q", out, want)
	}
	// A socket that does not answer is left out, with a warning.
	node.links["/run/k3s/containerd/containerd.sock"] = deadSocket(t)
	r := nsjOnNode(t, node, tk.ID, "true")
	if r.Code != 0 || !strings.Contains(r.Stderr, "containerd at /run/k3s/containerd/containerd.sock does not answer; going on without it") {
		t.Errorf("with a dead socket: exit %d, stderr %q", r.Code, r.Stderr)
	}
}

func TestSameIDOnTwoContainerdsIsAmbiguous(t *testing.T) {
	a, b, node := twoContainerdNode(t)
	id := harness.UniqueID("twice")
	nsA, nsB := harness.UniqueID("nsj-node-a"), harness.UniqueID("nsj-node-b")
	a.RunTask(t, nsA, id)
	b.RunTask(t, nsB, id)
	nsjOnNode(t, node, id, "true").Fails(t, 125, fmt.Sprintf(`%q matches containers on several containerds: %s %s/%s, %s %s/%s; pick one with -a SOCKET`,
		id, runtime.DefaultSockets[0], nsA, id, runtime.DockerContainerdSocket, nsB, id))
	out := nsjOnNode(t, node, "-a", runtime.DockerContainerdSocket, id, "true")
	out.OK(t)
}

func TestListShowsEveryContainerdWithSocketColumn(t *testing.T) {
	a, b, node := twoContainerdNode(t)
	nsA, nsB := harness.UniqueID("nsj-lista"), harness.UniqueID("nsj-listb")
	ta := a.RunTask(t, nsA, "on-a")
	tb := b.RunTask(t, nsB, "on-b")
	for _, args := range [][]string{{"--list", "-A"}, {"--list"}} {
		table := nsjOnNode(t, node, args...).OK(t)
		lines := strings.Split(strings.TrimSpace(table), "\n")
		if h := strings.Join(strings.Fields(lines[0]), " "); h != "SOCKET NAMESPACE TASK PID STATUS NAMESPACES IMAGE" {
			t.Fatalf("nsj %s header %q", strings.Join(args, " "), h)
		}
		for _, want := range []string{
			fmt.Sprintf("%s %s on-a %d running", runtime.DefaultSockets[0], nsA, ta.PID),
			fmt.Sprintf("%s %s on-b %d running", runtime.DockerContainerdSocket, nsB, tb.PID),
		} {
			if !harness.HasLineWithPrefix(lines, want) {
				t.Errorf("nsj %s lacks %q:\n%s", strings.Join(args, " "), want, table)
			}
		}
	}
	var entries []struct{ Socket, Namespace, ID string }
	if err := json.Unmarshal([]byte(nsjOnNode(t, node, "--list", "-n", nsB, "-o", "json").OK(t)), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Socket != runtime.DockerContainerdSocket || entries[0].ID != "on-b" {
		t.Errorf("--list -n %s -o json: %+v", nsB, entries)
	}
	if q := nsjOnNode(t, node, "--list", "-n", nsB, "-q").OK(t); q != "on-b\n" {
		t.Errorf("--list -n -q: %q", q)
	}
}

func TestMissingNamespaceNamesTheContainerdThatHasIt(t *testing.T) {
	_, b, node := twoContainerdNode(t)
	ns := harness.UniqueID("nsj-elsewhere")
	tk := b.RunTask(t, ns, "there")
	nsjOnNode(t, node, "-a", runtime.DefaultSockets[0], "-n", ns, tk.ID, "true").Fails(t, 125,
		fmt.Sprintf(`containerd at %s has no namespace %q; it is on %s: -a %s`, runtime.DefaultSockets[0], ns, runtime.DockerContainerdSocket, runtime.DockerContainerdSocket))
	upper := strings.ToUpper(ns)
	nsjOnNode(t, node, "--list", "-n", upper).Fails(t, 125,
		fmt.Sprintf(`no containerd of this node has namespace %q (`, upper))
	nsjOnNode(t, node, "--list", "-n", upper).Fails(t, 125, "(names are case-sensitive: -n "+ns+")")
}

func TestAllRunsOnEveryContainerd(t *testing.T) {
	a, b, node := twoContainerdNode(t)
	label := map[string]string{"nsj-node": harness.UniqueID("all")}
	nsA, nsB := harness.UniqueID("nsj-alla"), harness.UniqueID("nsj-allb")
	a.RunTask(t, nsA, "x", harness.WithLabels(label))
	b.RunTask(t, nsB, "y", harness.WithLabels(label))
	out := nsjOnNode(t, node, "--all", "--selector", "nsj-node="+label["nsj-node"], "--", "echo", "ran").OK(t)
	if got, want := harness.SortedLines(out), []string{nsA + "/x: ran", nsB + "/y: ran"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("--all over two containerds: %q, want %q", got, want)
	}
}

func TestDefaultSocketBehindPrivateDirNeedsRoot(t *testing.T) {
	a := harness.SharedContainerd(t)
	node := nodeRun{
		links: map[string]string{runtime.DefaultSockets[0]: a.Address},
		setup: "chmod 0700 /run/containerd",
		as:    []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"},
	}
	nsjOnNode(t, node, "--list").Fails(t, 125,
		"permission denied reaching /run/containerd/containerd.sock (/run/containerd is 0700): run nsj as root")
	// The same through -a: a socket in a 0700 directory the test made.
	dir, err := os.MkdirTemp("/tmp", "nsj-private-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := listenUnix(t, filepath.Join(dir, "c.sock"))
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", harness.NsjPath(t), "-a", sock, "--list")
	harness.RunUntil(t, cmd, 30*time.Second, nil).Fails(t, 125,
		fmt.Sprintf("cannot reach containerd socket %s (from -a/--address; %s is 0700): permission denied; run nsj as root", sock, dir))
}

func TestWrongSocketsSayWhatTheyAre(t *testing.T) {
	c := harness.SharedContainerd(t)
	dir := t.TempDir()
	tests := []struct {
		name, address, want string
	}{
		{name: "Docker's API socket", address: httpSocket(t, dir, "api.sock", "Docker/20.10.24 (linux)"),
			want: "is Docker's API socket (HTTP); nsj talks to containerd, and no containerd at " + strings.Join(runtime.DefaultSockets, ", ")},
		{name: "another HTTP/1.1 server", address: httpSocket(t, dir, "web.sock", ""),
			want: "speaks HTTP/1.1, not containerd's gRPC"},
		{name: "containerd's ttrpc socket", address: c.Address + ".ttrpc",
			want: fmt.Sprintf("(from -a/--address) is containerd's ttrpc socket, for its shims; nsj talks to its gRPC API: -a %s", c.Address)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			// A private /run without containerd: none holds Docker's namespace.
			nsjOnNode(t, nodeRun{}, "-a", tt.address, "--list").Fails(t, 125, tt.address+" "+tt.want)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}

func TestPrefixAmbiguousInOneNamespaceSaysGiveMore(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns, prefix := harness.UniqueID("nsj-amb"), harness.UniqueID("amb")
	c.RunTask(t, ns, prefix+"a1")
	c.RunTask(t, ns, prefix+"b2")
	harness.NsjAt(t, c, prefix, "true").Fails(t, 125,
		fmt.Sprintf(`task prefix %q is ambiguous in namespace %q: %sa1, %sb2; give more of the ID`, prefix, ns, prefix, prefix))
}

// httpSocket serves HTTP/1.1 on a unix socket, with the Server header
// server ("" for none), as Docker's API socket does.
func httpSocket(t *testing.T, dir, name, server string) string {
	l, err := net.Listen("unix", filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if server != "" {
			w.Header().Set("Server", server)
		}
		http.NotFound(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// listenUnix listens on a unix socket at path until the test ends.
func listenUnix(t *testing.T, path string) string {
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return path
}

// deadSocket is a socket file nobody listens on.
func deadSocket(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "dead.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	return path
}

// readlinkNS is the namespace pid is in, as readlink /proc/PID/ns/TYPE says.
func readlinkNS(t *testing.T, pid uint32, typ string) string {
	s, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, typ))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEmptyListSaysWhereItLooked(t *testing.T) {
	c := harness.StartContainerd(t)
	r := harness.NsjAt(t, c, "--list")
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != "NAMESPACE  TASK  PID  STATUS  NAMESPACES  IMAGE" {
		t.Fatalf("--list on an empty containerd: exit %d, stdout %q", r.Code, r.Stdout)
	}
	if want := fmt.Sprintf("nsj: no containers (searched containerd at %s: no namespaces)\n", c.Address); r.Stderr != want {
		t.Errorf("stderr %q, want %q", r.Stderr, want)
	}
	missing := fmt.Sprintf("containerd at %s has no namespace \"docker\", nor any other: it has no containers", c.Address)
	harness.NsjAt(t, c, "--list", "-n", "docker").Fails(t, 125, missing)
	harness.NsjAt(t, c, "-n", "docker", "--all", "--", "true").Fails(t, 125, missing)
}
