package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nsj-dev/nsj/integration/harness"
)

// KPod is a pod made through the API server and run by kubelet: the
// test writes no label of its own, kubelet names and labels everything.
type KPod struct {
	*corev1.Pod
	c *Cluster
}

// KPodOpt changes the pod spec before it is created.
type KPodOpt func(*corev1.Pod)

// Container is a busybox container running args (the image is only in
// the node's containerd: never pulled).
func Container(name string, args ...string) corev1.Container {
	return corev1.Container{Name: name, Image: harness.PodImage, ImagePullPolicy: corev1.PullNever, Command: args}
}

// WithContainers sets the pod's containers.
func WithContainers(cs ...corev1.Container) KPodOpt {
	return func(p *corev1.Pod) { p.Spec.Containers = cs }
}

// OnNode puts the pod on node name (a cluster of several nodes').
func OnNode(name string) KPodOpt {
	return func(p *corev1.Pod) { p.Spec.NodeName = name }
}

// RunPod creates pod ns/name on the first node (spec.nodeName: there is no
// scheduler; OnNode for another) and waits until ready says it is; the pod
// is deleted when the test ends. By default it has one container, app,
// running sleep 100001.
func (c *Cluster) RunPod(t testing.TB, ns, name string, ready func(*corev1.Pod) error, opts ...KPodOpt) *KPod {
	t.Helper()
	if err := c.Namespace(ns); err != nil {
		t.Fatal(err)
	}
	grace := int64(1)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{NodeName: c.Nodes[0].Name, TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{Container("app", "sleep", "100001")}},
	}
	for _, o := range opts {
		o(pod)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	created, err := c.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", ns, name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &grace})
	})
	p := &KPod{Pod: created, c: c}
	p.Wait(t, 90*time.Second, ready)
	return p
}

// Wait polls the pod until cond accepts it.
func (p *KPod) Wait(t testing.TB, timeout time.Duration, cond func(*corev1.Pod) error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		got, err := p.c.Client.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
		cancel()
		if err == nil {
			p.Pod = got
			if err = cond(got); err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s/%s after %s: %v", p.Namespace, p.Name, timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// AllRunning accepts a pod whose every container runs.
func AllRunning(p *corev1.Pod) error {
	if p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) != len(p.Spec.Containers) {
		return fmt.Errorf("phase %s, %d container statuses", p.Status.Phase, len(p.Status.ContainerStatuses))
	}
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Running == nil {
			return fmt.Errorf("container %s: %+v", s.Name, s.State)
		}
	}
	return nil
}

// CrashLooping accepts a pod whose container name waits in CrashLoopBackOff
// after at least restarts restarts, or shows its latest instance
// terminated: kubelet's status sometimes keeps Terminated through the
// back-off (seen with 4 restarts), and after the second crash the back-off
// is 20 s or more either way.
func CrashLooping(name string, restarts int32) func(*corev1.Pod) error {
	return func(p *corev1.Pod) error {
		for _, s := range p.Status.ContainerStatuses {
			backingOff := s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff"
			if s.Name == name && s.RestartCount >= restarts && (backingOff || s.State.Terminated != nil) {
				return nil
			}
		}
		return fmt.Errorf("container %s not in CrashLoopBackOff after %d restarts: %+v", name, restarts, p.Status.ContainerStatuses)
	}
}

// RestartedAndRunning accepts a pod whose container name runs again after
// restarts.
func RestartedAndRunning(name string) func(*corev1.Pod) error {
	return func(p *corev1.Pod) error {
		for _, s := range p.Status.ContainerStatuses {
			if s.Name == name && s.RestartCount >= 1 && s.State.Running != nil {
				return nil
			}
		}
		return fmt.Errorf("container %s not running again after a restart: %+v", name, p.Status.ContainerStatuses)
	}
}

// ExistingPod is the pod NS/NAME that something other than the tests made
// (kubectl debug, a DaemonSet), to wait on and read.
func (c *Cluster) ExistingPod(ns, name string) *KPod {
	return &KPod{Pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}, c: c}
}
