package integration

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
	corev1 "k8s.io/api/core/v1"
)

// A user session on a real node: pods made through the API server and run
// by kubelet on the cluster's containerd, joined with nsj on the node.

func TestKubeletPodJoinedByPodAndContainerName(t *testing.T) {
	c := cluster.Shared(t)
	ns := harness.UniqueID("shop")
	p := c.RunPod(t, ns, "web", cluster.AllRunning, cluster.WithContainers(
		cluster.Container("app", "sleep", "100001"), cluster.Container("sidecar", "sleep", "100002")))
	out := nsjNode(t, c, "--pod-namespace", ns, "pod/web/app", "sh", "-c", "hostname; ps -o args= -p 1").OK(t)
	if out != "web\nsleep 100001\n" {
		t.Fatalf("pod/web/app: got %q, want the pod's hostname and the app's sleep 100001 as pid 1", out)
	}
	for _, ref := range []string{"k8s://" + ns + "/web/sidecar", "k8s://" + ns + "/" + p.Name + "/sidecar"} {
		if out := nsjNode(t, c, ref, "ps", "-o", "args=", "-p", "1").OK(t); oneLineArgs(out) != "sleep 100002" {
			t.Fatalf("%s: pid 1 is %q, want the sidecar's sleep 100002", ref, out)
		}
	}
	nsjNode(t, c, "--pod-namespace", ns, "pod/web", "true").Fails(t, 125, "has several containers: app, sidecar; name one: pod/web/CONTAINER")

	// One container: the pod's name is enough, here in namespace default.
	solo := c.RunPod(t, "default", harness.UniqueID("solo"), cluster.AllRunning)
	out = nsjNode(t, c, "pod/"+solo.Name, "ps", "-o", "args=").OK(t)
	if !strings.Contains(out, "sleep 100001\n") || !strings.Contains(out, "ps -o args=\n") {
		t.Fatalf("nsj pod/%s ps: %q; want the container's sleep and ps itself", solo.Name, out)
	}
}

func TestKubeletPassesTheDefaultContainerAnnotation(t *testing.T) {
	c := cluster.Shared(t)
	ns := harness.UniqueID("shop")
	c.RunPod(t, ns, "annotated", cluster.AllRunning, cluster.WithContainers(
		cluster.Container("log", "sleep", "100001"), cluster.Container("web", "sleep", "100002")),
		func(p *corev1.Pod) {
			p.Annotations = map[string]string{"kubectl.kubernetes.io/default-container": "web"}
		})
	out := nsjNode(t, c, "--pod-namespace", ns, "pod/annotated", "ps", "-o", "args=", "-p", "1").OK(t)
	if oneLineArgs(out) != "sleep 100002" {
		t.Fatalf("pid 1 is %q, want the default container web's sleep 100002", out)
	}
}

func TestKubeletCrashLoopingContainerIsJoinedThroughTheSandbox(t *testing.T) {
	c := cluster.Shared(t)
	ns := harness.UniqueID("crash")
	// After the second crash kubelet waits 20 s: time to join the sandbox
	// before it restarts the container (whose status lags the restarts).
	p := c.RunPod(t, ns, "crash", cluster.CrashLooping("app", 2), cluster.WithContainers(cluster.Container("app", "sh", "-c", "exit 1")))
	r := nsjNode(t, c, "--pod-namespace", ns, "pod/crash/app", "ip", "-o", "-4", "addr", "show", "eth0")
	out := r.OK(t)
	if ip := p.Status.PodIP; ip == "" || !strings.Contains(out, " eth0 ") || !strings.Contains(out, "inet "+ip+"/") {
		t.Fatalf("ip addr show eth0 in the crash-looping container's pod: %q; want eth0 with the pod's IP %q", out, ip)
	}
	harness.MustContain(t, "stderr", r.Stderr, `container "app" of pod `+ns+"/crash is not running",
		"joining the pod's sandbox instead: its net, ipc, uts namespaces (not pid")
	if out := nsjNode(t, c, "--pod-namespace", ns, "--sandbox", "pod/crash", "hostname").OK(t); out != "crash\n" {
		t.Fatalf("--sandbox hostname: %q, want the pod's hostname", out)
	}
}

func TestKubeletHostNetworkPodKeepsTheHostNetwork(t *testing.T) {
	c := cluster.Shared(t)
	ns := harness.UniqueID("hostnet")
	c.RunPod(t, ns, "agent", cluster.AllRunning, func(p *corev1.Pod) { p.Spec.HostNetwork = true })
	host, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	r := nsjNode(t, c, "--pod-namespace", ns, "pod/agent", "sh", "-c", "readlink /proc/self/ns/net; ps -o args= -p 1")
	if out := r.OK(t); out != host+"\nsleep 100001\n" {
		t.Fatalf("got %q; want the host's network namespace %s and the container's sleep", out, host)
	}
	harness.MustContain(t, "stderr", r.Stderr, "pod "+ns+"/agent shares the host network namespace")
}

func TestKubeletSharedPIDPodShowsTheSandboxAsPID1(t *testing.T) {
	c := cluster.Shared(t)
	ns := harness.UniqueID("shared")
	c.RunPod(t, ns, "shared", cluster.AllRunning, cluster.WithContainers(
		cluster.Container("app", "sleep", "100001"), cluster.Container("sidecar", "sleep", "100002")),
		func(p *corev1.Pod) { share := true; p.Spec.ShareProcessNamespace = &share })
	out := nsjNode(t, c, "--pod-namespace", ns, "pod/shared/app", "ps", "-e", "-o", "pid=,args=").OK(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 || oneLineArgs(lines[0]) != "1 "+strings.Join(harness.PauseArgs, " ") ||
		!strings.Contains(out, "sleep 100001\n") || !strings.Contains(out, "sleep 100002\n") {
		t.Fatalf("ps in a pod sharing its pid namespace shows %q; want the sandbox as pid 1 and both containers", lines)
	}
}

func TestKubeletRestartedContainerIsJoinedInItsNewestInstance(t *testing.T) {
	c := cluster.Shared(t)
	ns := harness.UniqueID("restart")
	// The first instance exits 3; kubelet restarts it, and the second,
	// seeing the mark in the pod's emptyDir, sleeps.
	app := cluster.Container("app", "sh", "-c", "if [ -e /data/ran ]; then exec sleep 100002; fi; touch /data/ran; exit 3")
	app.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	c.RunPod(t, ns, "restart", cluster.RestartedAndRunning("app"), cluster.WithContainers(app), func(p *corev1.Pod) {
		p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	})
	out := nsjNode(t, c, "--pod-namespace", ns, "pod/restart/app", "ps", "-o", "args=", "-p", "1").OK(t)
	if oneLineArgs(out) != "sleep 100002" {
		t.Fatalf("pid 1 is %q, want the restarted instance's sleep 100002", out)
	}
}

func TestKubeletPodsAreListedAndRunByPodNamespace(t *testing.T) {
	c := cluster.Shared(t)
	ns := harness.UniqueID("list")
	c.RunPod(t, ns, "web", cluster.AllRunning, func(p *corev1.Pod) {
		p.Spec.InitContainers = []corev1.Container{cluster.Container("init", "true")}
	})
	c.RunPod(t, ns, "agent", cluster.AllRunning, cluster.WithContainers(cluster.Container("agent", "sleep", "100003")),
		func(p *corev1.Pod) { p.Spec.HostNetwork = true })

	out := nsjNode(t, c, "--list", "--pods", "--pod-namespace", ns).OK(t)
	var rows []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		rows = append(rows, strings.Join(append(f[:3:3], f[5:]...), " ")) // without TASK and PID
	}
	want := []string{"POD-NAMESPACE POD CONTAINER STATUS NETNS",
		ns + " agent (sandbox) running host", ns + " agent agent running host",
		ns + " web (sandbox) running private", ns + " web app running private", ns + " web init exited private"}
	if !slices.Equal(rows, want) {
		t.Fatalf("nsj --list --pods:\n%s\nwant rows (without TASK, PID):\n%s", out, strings.Join(want, "\n"))
	}

	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	r := nsjNode(t, c, "--all", "--pod-namespace", ns, "--", "hostname")
	got, wantAll := harness.SortedLines(r.OK(t)), []string{ns + "/agent/agent: " + host, ns + "/web/app: web"}
	if !slices.Equal(got, wantAll) || r.Stderr != "" {
		t.Fatalf("nsj --all --pod-namespace %s -- hostname: %q, stderr %q; want %q", ns, got, r.Stderr, wantAll)
	}
}
