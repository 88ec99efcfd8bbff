package integration

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/internal/kubeplugin"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// These tests run kubectl-nsj's resolution and streaming (package
// internal/kubeplugin) against pods that containerd's CRI plugin runs, as
// kubelet would: a pod to debug, and an agent pod set up as the DaemonSet of
// docs/kubernetes/nsj-agent.yaml sets it up. What they leave out is the API
// server and kubelet between the plugin and CRI: the pod object the API
// server would return is built from CRI's answers as kubelet builds it, and
// the exec stream goes to the URL CRI's Exec returns, which kubelet proxies.

// agentNode is the one node's name in the pod objects.
const agentNode = "node-1"

// kubeAgent is an nsj-agent pod that CRI runs.
type kubeAgent struct {
	c           *harness.CRI
	pod         *corev1.Pod // as the API server would show it
	containerID string
}

// startKubeAgent starts a pod set up as the DaemonSet's: privileged, in the
// node's pid, network and ipc namespaces, containerd's socket at its default
// path, the directory of the pods' network namespaces mounted where it is on
// the node, and nsj in /usr/local/bin, with CONTAINERD_NAMESPACE=k8s.io as
// the Dockerfile sets it.
func startKubeAgent(t *testing.T, c *harness.CRI, netnsDir string) *kubeAgent {
	t.Helper()
	nsj := staticNsj(t)
	p := c.RunPod(t, kubeplugin.AgentNamespace, "nsj-agent-x7k2p", agentSandbox)
	config := &cri.ContainerConfig{
		Metadata: &cri.ContainerMetadata{Name: kubeplugin.AgentContainer},
		Image:    &cri.ImageSpec{Image: harness.PodImage},
		Command:  []string{"sleep", "100000"},
		Envs: []*cri.KeyValue{
			{Key: "PATH", Value: []byte("/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")},
			{Key: "CONTAINERD_NAMESPACE", Value: []byte(kubeplugin.ContainerdNamespace)},
		},
		Mounts: []*cri.Mount{
			{HostPath: c.Address, ContainerPath: "/run/containerd/containerd.sock", Readonly: true},
			// The DaemonSet asks for HostToContainer propagation, for pods
			// started after the agent; CRI refuses it on a machine whose / is
			// a private mount (as here), and the tests start the agent last.
			{HostPath: netnsDir, ContainerPath: netnsDir, Readonly: true},
			{HostPath: nsj, ContainerPath: "/usr/local/bin/nsj", Readonly: true},
		},
		Labels: map[string]string{"io.kubernetes.pod.name": p.Name, "io.kubernetes.pod.namespace": p.Namespace,
			"io.kubernetes.pod.uid": p.UID, "io.kubernetes.container.name": kubeplugin.AgentContainer},
		Linux: &cri.LinuxContainerConfig{SecurityContext: &cri.LinuxContainerSecurityContext{
			Privileged: true, NamespaceOptions: p.Config.Linux.SecurityContext.NamespaceOptions,
		}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := c.Runtime.CreateContainer(ctx, &cri.CreateContainerRequest{PodSandboxId: p.SandboxID, Config: config, SandboxConfig: p.Config})
	if err != nil {
		t.Fatalf("create the agent container: %v", err)
	}
	c.Track(r.GetContainerId())
	if _, err := c.Runtime.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: r.GetContainerId()}); err != nil {
		t.Fatalf("start the agent container: %v", err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name},
		Spec:       corev1.PodSpec{NodeName: agentNode},
	}
	return &kubeAgent{c: c, pod: pod, containerID: r.GetContainerId()}
}

// agentSandbox: hostPID, hostNetwork and privileged, as in the DaemonSet.
func agentSandbox(p *cri.PodSandboxConfig) {
	node := cri.NamespaceMode_NODE
	p.Linux.SecurityContext.NamespaceOptions = &cri.NamespaceOption{Network: node, Pid: node}
	p.Linux.SecurityContext.Privileged = true
	p.Hostname = ""
}

// staticNsj is the nsj under test, which must run in the busybox image: a
// statically linked one (make build links it so).
func staticNsj(t *testing.T) string {
	t.Helper()
	path := harness.NsjPath(t)
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		harness.Need(t, p.Type != elf.PT_INTERP, "%s is dynamically linked; the agent image has no libc: run with NSJ_BIN=bin/nsj-test after make test-build", path)
	}
	return path
}

// apiPod is pod as the API server shows it once kubelet has reported its
// status: on agentNode, its container running with ID "<runtime>://<id>",
// the runtime's name as CRI gives it.
func apiPod(t *testing.T, c *harness.CRI, p *harness.Pod, container, id string) *corev1.Pod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := c.Runtime.Version(ctx, &cri.VersionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name},
		Spec:       corev1.PodSpec{NodeName: agentNode, Containers: []corev1.Container{{Name: container}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
			Name: container, ContainerID: v.GetRuntimeName() + "://" + id,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		}}},
	}
}

// kubectlNsj is what kubectl nsj POD -- COMMAND does once the API server has
// answered: resolve the pod's container, and stream nsj's run in the agent,
// here through the exec URL of CRI that kubelet would proxy to.
func (a *kubeAgent) kubectlNsj(t *testing.T, pod *corev1.Pod, stdin string, command ...string) harness.Result {
	t.Helper()
	target, err := kubeplugin.TargetOf(pod, "")
	if err != nil {
		t.Fatal(err)
	}
	if target.Node != a.pod.Spec.NodeName {
		t.Fatalf("the pod is on %s, the agent on %s", target.Node, a.pod.Spec.NodeName)
	}
	var in io.Reader
	if stdin != "" {
		in = strings.NewReader(stdin)
	}
	return a.exec(t, in, kubeplugin.NsjArgs(target, command, false)...)
}

// exec runs argv in the agent as kubectl exec -n nsj AGENT -- ARGV would.
func (a *kubeAgent) exec(t *testing.T, in io.Reader, argv ...string) harness.Result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	s := kubeplugin.Streams{In: in, Out: &stdout, ErrOut: &stderr}
	ex := a.executor(t, argv, in != nil, false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := kubeplugin.Stream(ctx, ex, a.pod, s)
	if kubeplugin.IsPluginError(err) {
		t.Fatalf("the exec failed: %v", err)
	}
	return harness.Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: kubeplugin.ExitCode(err)}
}

// executor asks CRI for an exec of argv in the agent, as kubelet does for
// the API server's exec, and returns an SPDY executor for its URL.
func (a *kubeAgent) executor(t *testing.T, argv []string, stdin, tty bool) remotecommand.Executor {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := a.c.Runtime.Exec(ctx, &cri.ExecRequest{ContainerId: a.containerID, Cmd: argv, Stdin: stdin, Stdout: true, Stderr: !tty, Tty: tty})
	if err != nil {
		t.Fatalf("CRI exec %q: %v", argv, err)
	}
	u, err := url.Parse(r.GetUrl())
	if err != nil {
		t.Fatal(err)
	}
	ex, err := remotecommand.NewSPDYExecutor(&rest.Config{Host: u.Scheme + "://" + u.Host}, "POST", u)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// netnsDir is where CRI keeps pod network namespaces (/var/run/netns on a
// node): the directory of the path the spec of a pod's sandbox names, as
// nsj --inspect shows it. (Its other containers name /proc/PID/ns/net of
// the sandbox's task.)
func netnsDir(t *testing.T, c *harness.CRI, p *harness.Pod) string {
	t.Helper()
	out := harness.NsjWith(t, []string{"CONTAINERD_ADDRESS=" + c.Address}, "--inspect", "-n", "k8s.io", p.SandboxID).OK(t)
	var inspect struct {
		Namespaces []struct{ Type, Path string }
	}
	if err := json.Unmarshal([]byte(out), &inspect); err != nil {
		t.Fatalf("nsj --inspect: %v\n%s", err, out)
	}
	for _, n := range inspect.Namespaces {
		if n.Type == "net" && n.Path != "" {
			return filepath.Dir(n.Path)
		}
	}
	t.Fatalf("no network namespace path in nsj --inspect:\n%s", out)
	return ""
}

func TestKubectlNsjRunsTheAgentsToolsInThePodsContainer(t *testing.T) {
	c := harness.SharedCRI(t)
	web := c.RunPod(t, "shop", "web")
	id := web.Start(t, "app", 0, "sleep", "100000")
	agent := startKubeAgent(t, c, netnsDir(t, c, web))
	pod := apiPod(t, c, web, "app", id)

	r := agent.kubectlNsj(t, pod, "", "sh", "-c", "hostname; ps -o comm")
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("exit %d, stderr %q (want 0 and nothing: the pod's network namespace is visible in the agent)", r.Code, r.Stderr)
	}
	lines := strings.Fields(r.Stdout)
	if len(lines) < 3 || lines[0] != "web" || lines[1] != "COMMAND" || lines[2] != "sleep" {
		t.Fatalf("hostname and processes: %q; want web, then the pod's sleep first", r.Stdout)
	}
	for _, comm := range lines[3:] {
		if comm != "sh" && comm != "ps" {
			t.Errorf("process %q in the pod's view: the agent's or the node's leak in (%q)", comm, r.Stdout)
		}
	}
	if got := agent.kubectlNsj(t, pod, "", "cat", "/proc/net/dev").Stdout; !strings.Contains(got, "eth0:") {
		t.Errorf("the pod's network has no eth0 of its CNI:\n%s", got)
	}
}

func TestAgentJoinsAPodsSandboxByHand(t *testing.T) {
	c := harness.SharedCRI(t)
	web := c.RunPod(t, "shop", "web")
	web.Start(t, "app", 0, "sleep", "100000")
	agent := startKubeAgent(t, c, netnsDir(t, c, web))

	// The sandbox's spec names the pod's netns file: nsj finds it in the
	// agent's mount of the netns directory, and says nothing.
	r := agent.exec(t, nil, "nsj", web.SandboxID, "cat", "/proc/net/dev")
	if r.Code != 0 || r.Stderr != "" || !strings.Contains(r.Stdout, "eth0:") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s\nwant 0, nothing on stderr and the pod's eth0", r.Code, r.Stderr, r.Stdout)
	}
}

func TestKubectlNsjPassesStdinOutputAndExitStatus(t *testing.T) {
	c := harness.SharedCRI(t)
	web := c.RunPod(t, "shop", "web")
	id := web.Start(t, "app", 0, "sleep", "100000")
	agent := startKubeAgent(t, c, netnsDir(t, c, web))
	pod := apiPod(t, c, web, "app", id)

	r := agent.kubectlNsj(t, pod, "ping\n", "sh", "-c", "read line; echo got $line; echo oops >&2; exit 3")
	if r.Code != 3 || r.Stdout != "got ping\n" || r.Stderr != "oops\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 3, \"got ping\\n\", \"oops\\n\"", r.Code, r.Stdout, r.Stderr)
	}
	r = agent.kubectlNsj(t, pod, "", "no-such-tool")
	r.Fails(t, 127, "no-such-tool")
}

func TestKubectlNsjSeesTheNodesNetworkForAHostNetworkPod(t *testing.T) {
	c := harness.SharedCRI(t)
	web := c.RunPod(t, "shop", "web")
	web.Start(t, "app", 0, "sleep", "100000")
	agent := startKubeAgent(t, c, netnsDir(t, c, web))
	proxy := c.RunPod(t, "shop", "proxy", harness.PodHostNetwork())
	id := proxy.Start(t, "app", 0, "sleep", "100000")
	host, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}

	r := agent.kubectlNsj(t, apiPod(t, c, proxy, "app", id), "", "readlink", "/proc/self/ns/net")
	if got := strings.TrimSpace(r.Stdout); r.Code != 0 || got != host {
		t.Fatalf("the container of a hostNetwork pod: exit %d, network namespace %q (stderr %q); the node's is %s", r.Code, got, r.Stderr, host)
	}
	// Its sandbox's spec lists no network namespace: nsj stays in its own,
	// which is the node's only because the agent has hostNetwork.
	r = agent.exec(t, nil, "nsj", proxy.SandboxID, "readlink", "/proc/self/ns/net")
	if got := strings.TrimSpace(r.Stdout); r.Code != 0 || got != host {
		t.Fatalf("the sandbox of a hostNetwork pod: exit %d, network namespace %q (stderr %q); the node's is %s", r.Code, got, r.Stderr, host)
	}
}
