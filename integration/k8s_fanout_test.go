package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Selectors and kubectl nsj -l on kubelet-made pods: the pod's labels are
// on its sandbox only; an app container carries its image's labels.

// importLabelledImage imports the busybox image as name, with labels in
// its config (LABEL in a Dockerfile), into the node's containerd.
func importLabelledImage(c *cluster.Cluster, t *testing.T, name string, labels map[string]string) {
	t.Helper()
	archive, err := harness.OCIImageArchive(harness.BusyboxRootfs(t), name, []string{"sh"})
	if err == nil {
		archive, err = withImageLabels(archive, labels)
	}
	if err == nil {
		err = c.CRI.ImportImage(archive, name)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// withLabels sets the pod's labels.
func withLabels(labels map[string]string) cluster.KPodOpt {
	return func(p *corev1.Pod) { p.Labels = labels }
}

// withImage makes the pod's app container run image.
func withImage(image string) cluster.KPodOpt {
	return func(p *corev1.Pod) { p.Spec.Containers[0].Image = image }
}

func TestKubeletSelectorSeesThePodsLabelsNotTheImages(t *testing.T) {
	c := cluster.Shared(t)
	ns := harness.UniqueID("labels")
	importLabelledImage(c, t, "nsj.test/labelled-other:1", map[string]string{"app": "other"})
	importLabelledImage(c, t, "nsj.test/labelled-web:1", map[string]string{"app": "web"})
	c.RunPod(t, ns, "web", cluster.AllRunning, withLabels(map[string]string{"app": "web"}), withImage("nsj.test/labelled-other:1"))
	c.RunPod(t, ns, "imposter", cluster.AllRunning, withImage("nsj.test/labelled-web:1"))

	r := nsjNode(t, c, "--all", "--pod-namespace", ns, "--selector", "app=web", "--", "hostname")
	if out := r.OK(t); out != ns+"/web/app: web\n" || r.Stderr != "" {
		t.Fatalf("nsj --all --selector app=web: %q, stderr %q; want the pod labelled app=web only, not the one whose image says app=web", out, r.Stderr)
	}
	r = nsjNode(t, c, "--all", "--pod-namespace", ns, "--selector", "app=other", "--", "hostname")
	r.Fails(t, 125, "matches app=other")
}

// fanOutPods runs, in a new namespace, pods w1, w2 and w3 labelled
// app=LABEL and db labelled app=db, each running sleep 100001; it returns
// the namespace and LABEL, unique to the test.
func fanOutPods(t *testing.T, c *cluster.Cluster) (ns, app string) {
	ns, app = harness.UniqueID("fan"), harness.UniqueID("web")
	for _, p := range []struct{ name, app string }{{"w1", app}, {"w2", app}, {"w3", app}, {"db", "db"}} {
		c.RunPod(t, ns, p.name, cluster.AllRunning, withLabels(map[string]string{"app": p.app}))
	}
	return ns, app
}

func TestKubectlNsjFansOutToEveryPodTheSelectorPicks(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	user := c.User(t, "nsj-user", "nsj-users")
	ns, app := fanOutPods(t, c)
	failInW3 := []string{"sh", "-c", "hostname; hostname >&2; [ $(hostname) != w3 ]"}

	r := c.KubectlNsj(t, user, append([]string{"-n", ns, "-l", "app=" + app, "-j", "2", "--"}, failInW3...)...)
	wantOut := []string{ns + "/w1/app: w1", ns + "/w2/app: w2", ns + "/w3/app: w3"}
	if r.Code != 1 || !slices.Equal(harness.SortedLines(r.Stdout), wantOut) {
		t.Fatalf("kubectl nsj -l app=%s: exit %d, stdout %q (stderr %q); want 1 and %q", app, r.Code, r.Stdout, r.Stderr, wantOut)
	}
	errLines := harness.SortedLines(r.Stderr)
	wantErr := append(slices.Clone(wantOut), "nsj: 1 of 3 tasks failed: "+ns+"/w3/app (exit 1)")
	slices.Sort(wantErr)
	if !slices.Equal(errLines, wantErr) {
		t.Fatalf("stderr %q; want each pod's line and the summary %q", errLines, wantErr)
	}

	// -A: the same pods, found in every namespace; --no-prefix.
	r = c.KubectlNsj(t, user, "-A", "-l", "app="+app, "--no-prefix", "--", "hostname")
	if got := harness.SortedLines(r.OK(t)); !slices.Equal(got, []string{"w1", "w2", "w3"}) {
		t.Fatalf("kubectl nsj -A -l app=%s --no-prefix: %q, want w1, w2, w3", app, got)
	}

	// -o json: one record per line, and an exit record per pod.
	r = c.KubectlNsj(t, user, append([]string{"-n", ns, "-l", "app=" + app, "-o", "json", "--"}, failInW3...)...)
	exits := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		var rec struct {
			Task, Stream, Line, Status string
			Exit                       *int
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("-o json: %q is not a JSON record: %v", line, err)
		}
		if rec.Status != "" {
			exits[rec.Task] = fmt.Sprintf("%s %d", rec.Status, *rec.Exit)
		}
	}
	want := map[string]string{ns + "/w1/app": "ok 0", ns + "/w2/app": "ok 0", ns + "/w3/app": "failed 1"}
	if r.Code != 1 || fmt.Sprint(exits) != fmt.Sprint(want) {
		t.Fatalf("-o json: exit %d, exit records %v; want 1 and %v\n%s", r.Code, exits, want, r.Stdout)
	}

	// Nothing matches: one line, 125.
	r = c.KubectlNsj(t, user, "-n", ns, "-l", "app=nothing", "--", "true")
	if r.Code != 125 || !strings.HasPrefix(r.Stderr, "kubectl-nsj: no running pod with labels app=nothing in namespace "+ns) {
		t.Fatalf("no pod matches: exit %d, stderr %q; want 125 and one line saying so", r.Code, r.Stderr)
	}
}

// sleepers are the host's processes whose command line is args: the host
// (the test runs in its pid namespace) sees every pod's processes.
func sleepers(args string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if string(bytes.TrimRight(bytes.ReplaceAll(b, []byte{0}, []byte{' '}), " ")) == args {
			var pid int
			fmt.Sscanf(f, "/proc/%d/cmdline", &pid)
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestKubectlNsjFanOutStopsEveryPodsCommandOnCtrlC(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	ns, app := fanOutPods(t, c)
	cmd := c.KubectlNsjCmd(t, c.User(t, "nsj-user", "nsj-users"), "-n", ns, "-l", "app="+app, "-j", "3", "--", "sleep", "100007")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 60 s; stderr %q", what, stderr.String())
			}
		}
	}
	waitFor("sleep 100007 running in the 3 pods", func() bool { return len(sleepers("sleep 100007")) == 3 })

	cmd.Process.Signal(syscall.SIGINT) // kubectl runs the plugin in its own process
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("kubectl nsj -l still running 30 s after SIGINT; stderr %q", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "interrupted by SIGINT: 3 of 3 tasks failed or did not run") {
		t.Fatalf("after SIGINT: exit %d, stderr %q; want 130 and nsj --all's summary", code, stderr.String())
	}
	waitFor("no sleep 100007 left in any pod, no nsj --all left in the agent", func() bool {
		return len(sleepers("sleep 100007")) == 0 && len(harness.ProcessesMentioning("--stop-at-eof")) == 0
	})
}

func TestKubectlNsjTcpdumpSeesThePodsTraffic(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	ns := harness.UniqueID("dump")
	pinger := cluster.Container("app", "sh", "-c", "while :; do ping -c 1 -W 1 $POD_IP >/dev/null; sleep 0.2; done")
	pinger.Env = []corev1.EnvVar{{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}}
	p := c.RunPod(t, ns, "pinger", cluster.AllRunning, cluster.WithContainers(pinger))

	r := c.KubectlNsj(t, c.User(t, "nsj-user", "nsj-users"), "-n", ns, "pinger", "--", "tcpdump", "-c", "1", "-i", "any", "-n", "icmp")
	out := r.OK(t)
	if !strings.Contains(out, p.Status.PodIP+" > "+p.Status.PodIP+": ICMP echo") {
		t.Fatalf("tcpdump -c 1 -i any in the pod: %q (stderr %q); want the pod's ping of %s", out, r.Stderr, p.Status.PodIP)
	}
}

func TestKubectlDebugNodeWithTheAgentImageListsThePods(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	ns := harness.UniqueID("debug")
	c.RunPod(t, ns, "web", cluster.AllRunning)
	// The agent image's tag is not "latest": the default pull policy is
	// IfNotPresent, and the image imported on the node is used.
	kubectl := exec.Command(filepath.Join(c.Bin, "kubectl"), "--kubeconfig", c.Kubeconfig, "debug", "node/"+cluster.NodeName,
		"--profile=sysadmin", "--image="+cluster.AgentImage,
		"--", "nsj", "-a", "/host"+c.CRI.Address, "--list", "--pods", "--pod-namespace", ns)
	b, err := kubectl.CombinedOutput() // it names the pod on stdout or stderr
	out := string(b)
	if err != nil {
		t.Fatalf("kubectl debug node: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`debugging pod (\S+) `).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("kubectl debug node said %q; want the debugging pod's name", out)
	}
	debug := c.ExistingPod("default", m[1])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Client.CoreV1().Pods("default").Delete(ctx, m[1], metav1.DeleteOptions{})
	})
	debug.Wait(t, 90*time.Second, func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodSucceeded {
			return fmt.Errorf("phase %s: %+v", p.Status.Phase, p.Status.ContainerStatuses)
		}
		return nil
	})
	if pull := debug.Spec.Containers[0].ImagePullPolicy; pull != corev1.PullIfNotPresent {
		t.Errorf("the debugging pod's pull policy is %s, want IfNotPresent", pull)
	}
	logs := c.Kubectl(t, "", "", "logs", m[1])
	rows := strings.Split(strings.TrimSpace(logs), "\n")
	if len(rows) != 3 || !strings.HasPrefix(rows[0], "POD-NAMESPACE") ||
		!strings.Contains(rows[1], ns) || !strings.Contains(rows[1], "(sandbox)") || !strings.Contains(rows[2], " app ") {
		t.Fatalf("nsj --list --pods in the debugging pod:\n%s\nwant the header, web's sandbox and its app container", logs)
	}
}
