package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// A user session on a Kubernetes node: pods made through CRI as kubelet
// makes them, joined by pod and container name.

// oneLineArgs shows what ps -o args= printed for one process.
func oneLineArgs(out string) string { return strings.Join(strings.Fields(out), " ") }

func TestPodContainerByNameJoinsItsRunningInstance(t *testing.T) {
	c := harness.SharedCRI(t)
	p := c.RunPod(t, "default", harness.UniqueID("web"))
	old := p.Start(t, "nginx", 0, "sleep", "100003")
	p.Stop(t, old) // restarted: the old instance stays, stopped
	p.Start(t, "nginx", 1, "sleep", "100001")
	p.Start(t, "sidecar", 0, "sleep", "100002")
	out := harness.NsjPod(t, c, "pod/"+p.Name+"/nginx", "sh", "-c", "hostname; ps -o args= -p 1").OK(t)
	if want := p.Name + "\nsleep 100001\n"; out != want {
		t.Fatalf("pod/%s/nginx: got %q, want the pod's hostname and the running nginx as pid 1 (%q)", p.Name, out, want)
	}
	out = harness.NsjPod(t, c, "pod/"+p.Name+"/sidecar", "ps", "-o", "args=", "-p", "1").OK(t)
	if oneLineArgs(out) != "sleep 100002" {
		t.Fatalf("pod/%s/sidecar: pid 1 is %q, want the sidecar's sleep 100002", p.Name, out)
	}
}

func TestPodWithSeveralContainersNeedsOneNamed(t *testing.T) {
	c := harness.SharedCRI(t)
	p := c.RunPod(t, "default", harness.UniqueID("multi"))
	p.Start(t, "app", 0, "sleep", "100001")
	p.Start(t, "sidecar", 0, "sleep", "100002")
	harness.NsjPod(t, c, "pod/"+p.Name, "true").Fails(t, 125, "has several containers: app, sidecar; name one: pod/"+p.Name+"/CONTAINER")
	harness.NsjPod(t, c, "pod/"+p.Name+"/db", "true").Fails(t, 125, `has no container "db" (it has: app, sidecar)`)
	harness.NsjPod(t, c, "pod/"+p.Name+"-gone", "true").Fails(t, 125, "no pod default/"+p.Name+"-gone")
}

func TestPodDefaultContainerAnnotationPicksTheContainer(t *testing.T) {
	c := harness.SharedCRI(t)
	ns := harness.UniqueID("shop")
	p := c.RunPod(t, ns, harness.UniqueID("annotated"), harness.PodAnnotations(map[string]string{"kubectl.kubernetes.io/default-container": "web"}))
	p.Start(t, "log", 0, "sleep", "100001")
	p.Start(t, "web", 0, "sleep", "100002")
	out := harness.NsjPod(t, c, "--pod-namespace", ns, "pod/"+p.Name, "ps", "-o", "args=", "-p", "1").OK(t)
	if oneLineArgs(out) != "sleep 100002" {
		t.Fatalf("pid 1 is %q, want the default container web's sleep 100002", out)
	}
}

func TestCrashLoopingContainerFallsBackToTheSandboxNetwork(t *testing.T) {
	c := harness.SharedCRI(t)
	p := c.RunPod(t, "default", harness.UniqueID("crash"))
	crashed := p.Start(t, "app", 0, "sh", "-c", "exit 1")
	p.WaitExited(t, crashed)
	// By ID: pointed to the pod, not to ctr task start (issue 21 item 5).
	harness.NsjPod(t, c, "-n", "k8s.io", crashed, "true").Fails(t, 125, fmt.Sprintf(
		`(kubelet restarts it, not ctr): join its running instance with nsj k8s://default/%s/app, or the pod's network, even while it crashes, with nsj --sandbox k8s://default/%s`,
		p.Name, p.Name))
	r := harness.NsjPod(t, c, "pod/"+p.Name+"/app", "ip", "-o", "-4", "addr", "show", "eth0")
	out := r.OK(t)
	if ip := p.IP(t); ip == "" || !strings.Contains(out, " eth0 ") || !strings.Contains(out, "inet "+ip+"/") {
		t.Fatalf("ip addr show eth0 in the crashed container's pod: %q; want eth0 with the pod's IP %q", out, ip)
	}
	for _, want := range []string{`container "app" of pod default/` + p.Name + " is not running",
		"joining the pod's sandbox instead: its net, ipc, uts namespaces (not pid"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr %q does not say %q", r.Stderr, want)
		}
	}
	// Asked for, the sandbox is joined without a warning.
	r = harness.NsjPod(t, c, "--sandbox", "pod/"+p.Name, "hostname")
	if r.OK(t) != p.Name+"\n" || r.Stderr != "" {
		t.Fatalf("--sandbox hostname: got %q, stderr %q; want the pod's hostname and no warning", r.Stdout, r.Stderr)
	}
}

func TestSharedPIDPodShowsTheSandboxAsPID1(t *testing.T) {
	c := harness.SharedCRI(t)
	p := c.RunPod(t, "default", harness.UniqueID("shared"), harness.PodSharedPID())
	p.Start(t, "app", 0, "sleep", "100001")
	p.Start(t, "sidecar", 0, "sleep", "100002")
	out := harness.NsjPod(t, c, "pod/"+p.Name+"/app", "sh", "-c", `ps -e -o pid=,args=; tr '\0' ' ' < "${NSJ_ROOT%/root}/cmdline"`).OK(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 || oneLineArgs(lines[0]) != "1 "+strings.Join(harness.PauseArgs, " ") ||
		!strings.Contains(out, "sleep 100001\n") || !strings.Contains(out, "sleep 100002\n") {
		t.Fatalf("ps in a pod sharing its pid namespace shows %q; want the sandbox's pause as pid 1 and both containers", lines)
	}
	if last := lines[len(lines)-1]; last != "sleep 100001" {
		t.Fatalf("$NSJ_ROOT is the root of %q, want the app container's (sleep 100001)", last)
	}
	// The sandbox's pid namespace is the pod's: --sandbox joins it too.
	out = harness.NsjPod(t, c, "--sandbox", "pod/"+p.Name, "ps", "-e", "-o", "args=").OK(t)
	if !strings.Contains(out, "sleep 100001") || !strings.Contains(out, "sleep 100002") {
		t.Fatalf("--sandbox ps shows %q; want the pod's containers", out)
	}
}

func TestHostNetworkPodKeepsTheHostNetwork(t *testing.T) {
	c := harness.SharedCRI(t)
	p := c.RunPod(t, "default", harness.UniqueID("hostnet"), harness.PodHostNetwork())
	p.Start(t, "agent", 0, "sleep", "100001")
	host, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	r := harness.NsjPod(t, c, "pod/"+p.Name, "sh", "-c", "readlink /proc/self/ns/net; ps -o args= -p 1")
	if out := r.OK(t); out != host+"\nsleep 100001\n" {
		t.Fatalf("got %q; want the host's network namespace %s and the container's processes", out, host)
	}
	if want := "pod default/" + p.Name + " shares the host network namespace"; !strings.Contains(r.Stderr, want) {
		t.Fatalf("stderr %q does not say %q", r.Stderr, want)
	}
	r = harness.NsjPod(t, c, "--sysfs", "pod/"+p.Name, "true")
	want := fmt.Sprintf("\nnsj: --sysfs: container agent of pod default/%s shares the host's network namespace, whose devices the host's /sys already shows: drop --sysfs\n", p.Name)
	if r.Code != 125 || !strings.HasSuffix(r.Stderr, want) {
		t.Fatalf("--sysfs in a hostNetwork pod: exit %d, stderr %q; want 125 and %q", r.Code, r.Stderr, want)
	}
}

func TestListPodsTableAndJSON(t *testing.T) {
	c := harness.SharedCRI(t)
	ns := harness.UniqueID("list")
	web := c.RunPod(t, ns, "web")
	app := web.Start(t, "app", 0, "sleep", "100001")
	crashed := web.Start(t, "init", 0, "true")
	web.WaitExited(t, crashed)
	agent := c.RunPod(t, ns, "agent", harness.PodHostNetwork())
	agent.Start(t, "agent", 0, "sleep", "100001")

	out := harness.NsjPod(t, c, "--list", "--pods", "--pod-namespace", ns).OK(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var rows []string
	for _, l := range lines {
		f := strings.Fields(l)
		rows = append(rows, strings.Join(append(f[:3:3], f[5:]...), " ")) // without TASK and PID
	}
	want := []string{"POD-NAMESPACE POD CONTAINER STATUS NETNS",
		ns + " agent (sandbox) running host", ns + " agent agent running host",
		ns + " web (sandbox) running private", ns + " web app running private", ns + " web init exited private"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Fatalf("nsj --list --pods:\n%s\nwant rows (without TASK, PID):\n%s", out, strings.Join(want, "\n"))
	}
	if !strings.Contains(lines[4], app[:12]+" ") || strings.Contains(lines[4], app[:13]) {
		t.Fatalf("row %q does not show the task as %s (12 characters)", lines[4], app[:12])
	}

	var entries []map[string]any
	if err := json.Unmarshal([]byte(harness.NsjPod(t, c, "--list", "--pods", "--pod-namespace", ns, "-o", "json").OK(t)), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 5 {
		t.Fatalf("got %d JSON entries, want 5: %v", len(entries), entries)
	}
	e := entries[3]
	if e["task"] != app || e["container"] != "app" || e["kind"] != "container" || e["pod"] != "web" ||
		e["pod_namespace"] != ns || e["pod_uid"] != web.UID || e["status"] != "running" || e["netns"] != "private" ||
		e["namespace"] != "k8s.io" || e["pid"].(float64) <= 0 || !strings.Contains(fmt.Sprint(e["netns_path"]), "/netns/") {
		t.Fatalf("JSON entry of web/app: %v", e)
	}
	if entries[0]["netns"] != "host" || entries[0]["kind"] != "sandbox" || entries[0]["container"] != "" {
		t.Fatalf("JSON entry of agent's sandbox: %v", entries[0])
	}

	refs := harness.NsjPod(t, c, "--list", "--pods", "--pod-namespace", ns, "-q").OK(t)
	if want := fmt.Sprintf("k8s://%s/agent/agent\nk8s://%[1]s/web/app\nk8s://%[1]s/web/init\n", ns); refs != want {
		t.Fatalf("--list --pods -q: got %q, want %q", refs, want)
	}
}

func TestK8sURLNamesPodNamespaceAndContainer(t *testing.T) {
	c := harness.SharedCRI(t)
	ns := harness.UniqueID("shop")
	p := c.RunPod(t, ns, "cart")
	p.Start(t, "app", 0, "sleep", "100001")
	for _, ref := range []string{"k8s://" + ns + "/cart/app", "k8s://" + ns + "/cart"} {
		if out := harness.NsjPod(t, c, ref, "ps", "-o", "args=", "-p", "1").OK(t); oneLineArgs(out) != "sleep 100001" {
			t.Fatalf("%s: pid 1 is %q, want the app's sleep 100001", ref, out)
		}
	}
	harness.NsjPod(t, c, "--pod-namespace", "other", "k8s://"+ns+"/cart", "true").Fails(t, 125, "give one")
	harness.NsjPod(t, c, "k8s://cart", "true").Fails(t, 125, "no pod default/cart")
}
