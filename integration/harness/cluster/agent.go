package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// AgentImage is the nsj-agent image the tests build: the busybox rootfs
// and the static nsj under test in /usr/local/bin, as docs/kubernetes/
// Dockerfile's minimal target, made without a registry or docker and
// imported into the node's containerd.
const AgentImage = "localhost/nsj-agent:test"

// StartControllers starts kube-controller-manager (the DaemonSet, service
// account and root CA publisher controllers) and kube-scheduler, which a
// DaemonSet needs; once.
func (c *Cluster) StartControllers() error {
	return c.controllers()
}

func (c *Cluster) startControllers() error {
	p := c.pki
	kcm, err := c.start("kube-controller-manager", "--kubeconfig", c.Kubeconfig, "--leader-elect=false",
		"--secure-port", "0", "--controllers", "daemonset,serviceaccount,root-ca-cert-publisher,nodelifecycle",
		"--service-account-private-key-file", p.path("sa.key"), "--root-ca-file", p.path("ca.crt"),
		"--use-service-account-credentials=false")
	if err != nil {
		return err
	}
	sched, err := c.start("kube-scheduler", "--kubeconfig", c.Kubeconfig, "--leader-elect=false",
		"--secure-port", "0")
	if err != nil {
		return err
	}
	time.Sleep(time.Second) // a bad flag ends them at once
	for _, d := range []*harness.Daemon{kcm, sched} {
		if d.Exited() {
			return fmt.Errorf("%s exited at start (%s); its log ends:\n%s", d.Name, d.Cmd.ProcessState, d.Tail(30))
		}
	}
	return nil
}

// Kubectl runs kubectl with kubeconfig (the admin's if "") and stdin, and
// returns its stdout; a failure fails the test with kubectl's stderr.
func (c *Cluster) Kubectl(t testing.TB, kubeconfig, stdin string, args ...string) string {
	t.Helper()
	out, err := c.kubectl(kubeconfig, stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kubectl is Kubectl returning kubectl's failure (with its stderr) as an
// error.
func (c *Cluster) kubectl(kubeconfig, stdin string, args ...string) (string, error) {
	if kubeconfig == "" {
		kubeconfig = c.Kubeconfig
	}
	cmd := exec.Command(filepath.Join(c.Bin, "kubectl"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("kubectl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// DeployAgent builds and imports the agent image, then applies
// docs/kubernetes/rbac.yaml as it is and docs/kubernetes/nsj-agent.yaml
// with what this node needs changed (agentManifest), and waits for the
// agent pod; once.
func (c *Cluster) DeployAgent(t testing.TB) {
	t.Helper()
	harness.NsjPath(t)
	harness.BusyboxRootfs(t)
	if err := c.StartAgent(); err != nil {
		t.Fatal(err)
	}
}

// StartAgent is DeployAgent for callers without a test: the agent image
// holds harness.NsjBinary (NSJ_BIN).
func (c *Cluster) StartAgent() error { return c.agent() }

func (c *Cluster) startAgent() error {
	if err := c.StartControllers(); err != nil {
		return err
	}
	if err := c.importAgentImage(); err != nil {
		return err
	}
	manifest, err := c.agentManifest()
	if err != nil {
		return err
	}
	if _, err := c.kubectl("", manifest, "apply", "-f", "-"); err != nil { // first: it makes namespace nsj
		return err
	}
	if _, err := c.kubectl("", "", "apply", "-f", harness.RepoPath("docs/kubernetes/rbac.yaml")); err != nil {
		return err
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		pods, err := c.Client.CoreV1().Pods("nsj").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=nsj-agent"})
		cancel()
		if err == nil && everyNodeRuns(pods.Items, len(c.Nodes)) {
			return nil
		}
		if time.Now().After(deadline) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var why []string // the DaemonSet's and its pods' events: why no pod
			if evs, err := c.Client.CoreV1().Events("nsj").List(ctx, metav1.ListOptions{}); err == nil {
				for _, e := range evs.Items {
					why = append(why, fmt.Sprintf("%s %s: %s: %s", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message))
				}
			}
			if nodes, err := c.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err == nil {
				for _, n := range nodes.Items {
					why = append(why, fmt.Sprintf("node %s: taints %v", n.Name, n.Spec.Taints))
				}
			}
			return fmt.Errorf("no running nsj-agent pod on every node after 90 s (%v): %+v\nevents in namespace nsj, nodes:\n%s", err, pods, strings.Join(why, "\n"))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// everyNodeRuns reports whether pods are n agent pods, all running.
func everyNodeRuns(pods []corev1.Pod, n int) bool {
	for i := range pods {
		if AllRunning(&pods[i]) != nil {
			return false
		}
	}
	return len(pods) == n
}

// agentManifest is docs/kubernetes/nsj-agent.yaml with four changes for
// this cluster: the image is the local agentImage (imagePullPolicy Never);
// containerd's socket is the tests' own (CONTAINERD_ADDRESS, and the CRI
// containerd's directory, holding its socket and the pods' network
// namespaces, mounted at the same path; on a cluster of several nodes, the
// directory of all nodes' containerds, and the socket named after the
// agent's node: $(NODE_NAME) from the downward API); and no mount propagation, which
// CRI refuses on a host whose / is a private mount, as here (the agent
// starts before the pods it joins only in the DaemonSet's case: the tests
// start it first and mount the netns directory's parent, so they are seen).
func (c *Cluster) agentManifest() (string, error) {
	b, err := os.ReadFile(harness.RepoPath("docs/kubernetes/nsj-agent.yaml"))
	if err != nil {
		return "", err
	}
	docs := strings.Split(string(b), "\n---\n")
	for i, doc := range docs {
		var ds appsv1.DaemonSet
		if err := yaml.Unmarshal([]byte(doc), &ds); err != nil || ds.Kind != "DaemonSet" {
			continue
		}
		spec := &ds.Spec.Template.Spec
		dir, env := c.CRI.Dir, []corev1.EnvVar{{Name: "CONTAINERD_ADDRESS", Value: c.CRI.Address}}
		if c.net != nil {
			dir = c.NodesDir()
			env = []corev1.EnvVar{
				{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
				{Name: "CONTAINERD_ADDRESS", Value: filepath.Join(dir, "$(NODE_NAME)", filepath.Base(c.CRI.Address))},
			}
		}
		for j := range spec.Containers {
			ctr := &spec.Containers[j]
			ctr.Image, ctr.ImagePullPolicy = AgentImage, corev1.PullNever
			ctr.Env = append(ctr.Env, env...)
			ctr.VolumeMounts = append(ctr.VolumeMounts, corev1.VolumeMount{Name: "nsj-test-containerd", MountPath: dir, ReadOnly: true})
			for k := range ctr.VolumeMounts {
				ctr.VolumeMounts[k].MountPropagation = nil
			}
		}
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "nsj-test-containerd",
			VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir}}})
		j, err := json.Marshal(ds)
		if err != nil {
			return "", err
		}
		docs[i] = string(j)
	}
	return strings.Join(docs, "\n---\n"), nil
}

// importAgentImage builds agentImage and imports it into every node's
// containerd.
func (c *Cluster) importAgentImage() error {
	rootfs, err := harness.SharedRootfs()
	if err != nil {
		return err
	}
	nsjBin, err := harness.NsjBinary()
	if err != nil {
		return err
	}
	root := filepath.Join(c.Dir, "agent-rootfs")
	if out, err := exec.Command("cp", "-a", rootfs, root).CombinedOutput(); err != nil {
		return fmt.Errorf("copy the busybox rootfs: %v: %s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(root, "usr/local/bin"), 0o755); err != nil {
		return err
	}
	nsj, err := os.ReadFile(nsjBin)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "usr/local/bin/nsj"), nsj, 0o755); err != nil {
		return err
	}
	if err := addHostTcpdump(root); err != nil {
		return fmt.Errorf("add tcpdump to the agent image: %w", err)
	}
	archive, err := harness.OCIImageArchive(root, AgentImage, []string{"sleep", "2147483"})
	if err != nil {
		return fmt.Errorf("build the agent image: %w", err)
	}
	for _, n := range c.Nodes {
		if err := n.CRI.ImportImage(archive, AgentImage); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	return nil
}
