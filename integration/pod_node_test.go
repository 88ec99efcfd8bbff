package integration

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/runtime"
)

// Pods on every containerd of the node (issue 21 item 2), as tasks are
// found (sockets_test.go): a k3s node whose pods are on k3s's socket while
// the system containerd holds the stock one.

const k3sSocket = "/run/k3s/containerd/containerd.sock"

// k3sNode is the suite's plain containerd on the stock socket and the CRI
// containerd on k3s's.
func k3sNode(t *testing.T) (*harness.CRI, nodeRun) {
	a, c := harness.SharedContainerd(t), harness.SharedCRI(t)
	return c, nodeRun{links: map[string]string{runtime.DefaultSockets[0]: a.Address, k3sSocket: c.Address}}
}

func TestPodOnSecondContainerdIsFound(t *testing.T) {
	c, node := k3sNode(t)
	ns := harness.UniqueID("k3s")
	p := c.RunPod(t, ns, harness.UniqueID("web"))
	p.Start(t, "nginx", 0, "sleep", "100001")
	if out := nsjOnNode(t, node, "--pod-namespace", ns, "pod/"+p.Name+"/nginx", "hostname").OK(t); out != p.Name+"\n" {
		t.Errorf("pod/%s/nginx on k3s's containerd: hostname %q", p.Name, out)
	}
	if out := nsjOnNode(t, node, "--sandbox", "k8s://"+ns+"/"+p.Name, "hostname").OK(t); out != p.Name+"\n" {
		t.Errorf("--sandbox on k3s's containerd: hostname %q", out)
	}
	table := nsjOnNode(t, node, "--list", "--pods", "--pod-namespace", ns).OK(t)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if h := strings.Join(strings.Fields(lines[0]), " "); h != "SOCKET POD-NAMESPACE POD CONTAINER TASK PID STATUS NETNS" {
		t.Fatalf("--list --pods header %q", h)
	}
	if !harness.HasLineWithPrefix(lines, fmt.Sprintf("%s %s %s nginx", k3sSocket, ns, p.Name)) {
		t.Errorf("--list --pods lacks the pod on %s:\n%s", k3sSocket, table)
	}
	// An empty list says where nsj looked.
	r := nsjOnNode(t, node, "--list", "--pods", "--pod-namespace", ns+"-none")
	want := fmt.Sprintf(`nsj: no pods in pod namespace %q (searched containerd at %s: namespaces k8s.io; containerd at %s: namespaces k8s.io)`,
		ns+"-none", runtime.DefaultSockets[0], k3sSocket)
	if r.Code != 0 || !strings.Contains(r.Stderr, want) {
		t.Errorf("empty --list --pods: exit %d, stderr %q; want %q", r.Code, r.Stderr, want)
	}
}

// The same pod seen on two sockets (both lead to the CRI containerd) is
// an error listing them; -a picks one.
func TestPodOnTwoContainerdsIsAmbiguous(t *testing.T) {
	c := harness.SharedCRI(t)
	node := nodeRun{links: map[string]string{runtime.DefaultSockets[0]: c.Address, k3sSocket: c.Address}}
	ns := harness.UniqueID("twice")
	p := c.RunPod(t, ns, harness.UniqueID("web"))
	p.Start(t, "nginx", 0, "sleep", "100001")
	ref := "k8s://" + ns + "/" + p.Name
	nsjOnNode(t, node, ref, "true").Fails(t, 125, fmt.Sprintf("pod %s/%s is on several containerds: %s, %s; pick one with -a SOCKET",
		ns, p.Name, runtime.DefaultSockets[0], k3sSocket))
	nsjOnNode(t, node, "-a", k3sSocket, ref, "true").OK(t)
}

// nsj --all over two containerds that hold a task of the same name leads
// each one's lines with its socket.
func TestAllNamesTheSocketOfTasksThatShareAName(t *testing.T) {
	a, b, node := twoContainerdNode(t)
	ns := harness.UniqueID("nsj-dup")
	a.RunTask(t, ns, "dup")
	b.RunTask(t, ns, "dup")
	out := nsjOnNode(t, node, "--all", "-n", ns, "--", "echo", "ran").OK(t)
	want := []string{runtime.DefaultSockets[0] + " dup: ran", runtime.DockerContainerdSocket + " dup: ran"}
	if got := harness.SortedLines(out); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("--all over two containerds: %q, want %q", got, want)
	}
}

// Completing -n offers the namespaces of every containerd of the node
// (issue 21 item 5: moby on Docker's containerd was left out).
func TestCompletionOffersTheNamespacesOfEveryContainerd(t *testing.T) {
	_, b, node := twoContainerdNode(t)
	ns := harness.UniqueID("nsj-complete-b")
	b.RunTask(t, ns, "there")
	out := nsjOnNode(t, node, "--complete", "--", "-n", ns[:8]).OK(t)
	if !slices.Contains(strings.Split(out, "\n"), ns) {
		t.Errorf("nsj --complete -- -n %s: %q lacks %s, on %s", ns[:8], out, ns, runtime.DockerContainerdSocket)
	}
}
