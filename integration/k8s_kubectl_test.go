package integration

import (
	"os"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
	corev1 "k8s.io/api/core/v1"
)

// kubectl nsj end to end: the plugin found by kubectl on PATH, the
// API server (Node,RBAC) between it and the agent that the DaemonSet of
// docs/kubernetes runs on the node, as a user bound only to the roles of
// docs/kubernetes/rbac.yaml (group nsj-users).

func TestKubectlNsjRunsInAKubeletPodThroughTheAPIServer(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	user := c.User(t, "nsj-user", "nsj-users")
	ns := harness.UniqueID("shop")
	c.RunPod(t, ns, "web", cluster.AllRunning, cluster.WithContainers(
		cluster.Container("app", "sleep", "100001"), cluster.Container("sidecar", "sleep", "100002")))

	out := c.KubectlNsj(t, user, "-n", ns, "web", "-c", "app", "--", "ps", "-o", "args=").OK(t)
	if !strings.Contains(out, "sleep 100001\n") || strings.Contains(out, "sleep 100002") {
		t.Fatalf("kubectl nsj web -c app -- ps: %q; want the app's processes only", out)
	}
	// The agent's tools are its image's: busybox ps, which has no -p.
	out = c.KubectlNsj(t, user, "-n", ns, "web", "-c", "sidecar", "--", "ps", "-o", "args=").OK(t)
	if !strings.Contains(out, "sleep 100002\n") || strings.Contains(out, "sleep 100001") {
		t.Fatalf("kubectl nsj web -c sidecar -- ps: %q; want the sidecar's processes only", out)
	}
	r := c.KubectlNsj(t, user, "-n", ns, "web", "-c", "app", "--", "sh", "-c", "echo out; echo err >&2; exit 7")
	if r.Code != 7 || r.Stdout != "out\n" || r.Stderr != "err\n" {
		t.Fatalf("exit 7 in the pod: code %d, stdout %q, stderr %q; want 7, out, err", r.Code, r.Stdout, r.Stderr)
	}
}

func TestKubectlNsjNeedsTheDocumentedRole(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	ns := harness.UniqueID("shop")
	c.RunPod(t, ns, "web", cluster.AllRunning)
	r := c.KubectlNsj(t, c.User(t, "nobody"), "-n", ns, "web", "--", "true")
	if r.Code != 125 || strings.Count(r.Stderr, "\n") != 1 || !strings.HasPrefix(r.Stderr, "kubectl-nsj: ") {
		t.Fatalf("as a user without the role: code %d, stderr %q; want 125 and one line", r.Code, r.Stderr)
	}
	harness.MustContain(t, "stderr", r.Stderr, "forbidden", "docs/kubernetes/rbac.yaml grants it")
	if out := c.KubectlNsj(t, c.User(t, "nsj-user", "nsj-users"), "-n", ns, "web", "--", "hostname").OK(t); out != "web\n" {
		t.Fatalf("as a user bound to the documented roles: %q, want the pod's hostname", out)
	}
}

func TestKubectlNsjGivesAnInteractiveShellOnATerminal(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	ns := harness.UniqueID("shop")
	c.RunPod(t, ns, "web", cluster.AllRunning)
	s := harness.StartOnPty(t, c.KubectlNsjCmd(t, c.User(t, "nsj-user", "nsj-users"), "-n", ns, "web"))
	s.Send(t, "hostname; echo $((6*7))x\n")
	s.Expect(t, "42x")
	s.Expect(t, "web")
	s.Send(t, "exit 3\n")
	if code := s.Wait(t); code != 3 {
		t.Fatalf("the shell exited 3, kubectl nsj exited %d; the terminal shows:\n%s", code, s.Output())
	}
}

// A hostNetwork, hostIPC pod, through kubectl nsj (its app container) and
// by hand in the agent (its sandbox): the node's network and IPC.
func TestKubectlNsjSeesTheNodesNetworkAndIPCForAHostNetworkPod(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	ns := harness.UniqueID("hostnet")
	c.RunPod(t, ns, "proxy", cluster.AllRunning, func(p *corev1.Pod) { p.Spec.HostNetwork, p.Spec.HostIPC = true, true })
	var host []string
	for _, n := range []string{"net", "ipc"} {
		l, err := os.Readlink("/proc/self/ns/" + n)
		if err != nil {
			t.Fatal(err)
		}
		host = append(host, l)
	}
	out := c.KubectlNsj(t, c.User(t, "nsj-user", "nsj-users"), "-n", ns, "proxy", "--",
		"sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/ipc").OK(t)
	want := strings.Join(host, "\n") + "\n"
	if out != want {
		t.Fatalf("kubectl nsj in a hostNetwork, hostIPC pod: %q; want the node's namespaces %q", out, want)
	}
	// Its sandbox, by hand in the agent: the sandbox's spec lists neither
	// type (an app container's names the sandbox's), so nsj stays in the
	// agent's: the node's only with the agent's hostNetwork and hostIPC.
	agent := strings.TrimSpace(c.Kubectl(t, "", "", "get", "pod", "-n", "nsj", "-l", "app.kubernetes.io/name=nsj-agent", "-o", "name"))
	out = c.Kubectl(t, "", "", "exec", "-n", "nsj", agent, "-c", "nsj", "--", "nsj", "--pod-namespace", ns, "--sandbox", "pod/proxy",
		"sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/ipc")
	if out != want {
		t.Fatalf("nsj --sandbox in the agent, for a hostNetwork, hostIPC pod: %q; want the node's namespaces %q", out, want)
	}
}

// The agent's root filesystem is read-only; /tmp, an emptyDir, is where
// captures go.
func TestKubectlNsjAgentWritesOnlyToTmp(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	agent := strings.TrimSpace(c.Kubectl(t, "", "", "get", "pod", "-n", "nsj", "-l", "app.kubernetes.io/name=nsj-agent", "-o", "name"))
	out := c.Kubectl(t, "", "", "exec", "-n", "nsj", agent, "-c", "nsj", "--",
		"sh", "-c", "echo x > /tmp/capture && cat /tmp/capture; touch /usr/x 2>/dev/null || echo read-only")
	if out != "x\nread-only\n" {
		t.Fatalf("in the agent, write /tmp then /usr: %q; want x and read-only", out)
	}
}
