package harness

import (
	"context"
	"fmt"
	"path"
	"testing"
	"time"

	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Pod is a pod sandbox RunPod made through CRI, labelled as kubelet labels
// its pods.
type Pod struct {
	Namespace, Name, UID string
	SandboxID            string

	c      *CRI
	Config *cri.PodSandboxConfig // as sent to RunPodSandbox
}

// PodOpt changes the sandbox config RunPod sends.
type PodOpt func(*cri.PodSandboxConfig)

// PodHostNetwork puts the pod in the host's network namespace (hostNetwork:
// true); such pods have no hostname of their own.
func PodHostNetwork() PodOpt {
	return func(p *cri.PodSandboxConfig) {
		p.Linux.SecurityContext.NamespaceOptions.Network = cri.NamespaceMode_NODE
		p.Hostname = ""
	}
}

// PodSharedPID gives the pod one pid namespace (shareProcessNamespace: true).
func PodSharedPID() PodOpt {
	return func(p *cri.PodSandboxConfig) { p.Linux.SecurityContext.NamespaceOptions.Pid = cri.NamespaceMode_POD }
}

// PodAnnotations sets pod annotations, as kubelet passes them to CRI.
func PodAnnotations(a map[string]string) PodOpt {
	return func(p *cri.PodSandboxConfig) { p.Annotations = a }
}

// RunPod starts a pod sandbox for pod namespace/name; it is stopped and
// removed when the test ends.
func (c *CRI) RunPod(t testing.TB, namespace, name string, opts ...PodOpt) *Pod {
	t.Helper()
	uid := fmt.Sprintf("uid-%d", time.Now().UnixNano())
	labels := map[string]string{
		"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": namespace, "io.kubernetes.pod.uid": uid,
	}
	config := &cri.PodSandboxConfig{
		Metadata: &cri.PodSandboxMetadata{Name: name, Namespace: namespace, Uid: uid},
		Hostname: name,
		Labels:   labels,
		Linux: &cri.LinuxPodSandboxConfig{
			CgroupParent: path.Join(c.CgroupParent, "pod"+uid),
			SecurityContext: &cri.LinuxSandboxSecurityContext{NamespaceOptions: &cri.NamespaceOption{
				Network: cri.NamespaceMode_POD, Pid: cri.NamespaceMode_CONTAINER, Ipc: cri.NamespaceMode_POD,
			}},
		},
	}
	for _, o := range opts {
		o(config)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := c.Runtime.RunPodSandbox(ctx, &cri.RunPodSandboxRequest{Config: config})
	if err != nil {
		t.Fatalf("run pod sandbox %s/%s: %v", namespace, name, err)
	}
	p := &Pod{Namespace: namespace, Name: name, UID: uid, SandboxID: r.GetPodSandboxId(), c: c, Config: config}
	c.Track(p.SandboxID)
	t.Cleanup(func() {
		if c.stopping.Load() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.removePod(ctx, p.SandboxID); err != nil {
			t.Error(err)
		}
	})
	return p
}

// Track records a CRI container for the shim socket cleanup of Stop.
func (c *CRI) Track(id string) {
	c.mu.Lock()
	c.containers = append(c.containers, "k8s.io/"+id)
	c.mu.Unlock()
}

// Start creates and starts the container name (restart count attempt) in
// the pod, running args, labelled as kubelet labels containers; it returns
// the container ID.
func (p *Pod) Start(t testing.TB, name string, attempt uint32, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	config := &cri.ContainerConfig{
		Metadata: &cri.ContainerMetadata{Name: name, Attempt: attempt},
		Image:    &cri.ImageSpec{Image: PodImage},
		Command:  args,
		Labels: map[string]string{
			"io.kubernetes.pod.name": p.Name, "io.kubernetes.pod.namespace": p.Namespace,
			"io.kubernetes.pod.uid": p.UID, "io.kubernetes.container.name": name,
		},
		Annotations: map[string]string{"io.kubernetes.container.restartCount": fmt.Sprint(attempt)},
		Linux: &cri.LinuxContainerConfig{SecurityContext: &cri.LinuxContainerSecurityContext{
			NamespaceOptions: p.Config.Linux.SecurityContext.NamespaceOptions,
		}},
	}
	r, err := p.c.Runtime.CreateContainer(ctx, &cri.CreateContainerRequest{
		PodSandboxId: p.SandboxID, Config: config, SandboxConfig: p.Config,
	})
	if err != nil {
		t.Fatalf("create container %s in pod %s/%s: %v", name, p.Namespace, p.Name, err)
	}
	id := r.GetContainerId()
	p.c.Track(id)
	if _, err := p.c.Runtime.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: id}); err != nil {
		t.Fatalf("start container %s in pod %s/%s: %v", name, p.Namespace, p.Name, err)
	}
	return id
}

// WaitExited waits until container id has exited, as a crash does.
func (p *Pod) WaitExited(t testing.TB, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err := p.c.Runtime.ContainerStatus(ctx, &cri.ContainerStatusRequest{ContainerId: id})
		cancel()
		if err != nil {
			t.Fatalf("status of container %s: %v", id, err)
		}
		if r.GetStatus().GetState() == cri.ContainerState_CONTAINER_EXITED {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s did not exit within 30s (state %s)", id, r.GetStatus().GetState())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops container id, as kubelet does before a restart.
func (p *Pod) Stop(t testing.TB, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.c.Runtime.StopContainer(ctx, &cri.StopContainerRequest{ContainerId: id, Timeout: 1}); err != nil {
		t.Fatalf("stop container %s: %v", id, err)
	}
}

// Ref is the pod as nsj names it: k8s://NAMESPACE/NAME.
func (p *Pod) Ref() string { return "k8s://" + p.Namespace + "/" + p.Name }

// IP is the pod's address as CRI reports it (from the CNI result).
func (p *Pod) IP(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := p.c.Runtime.PodSandboxStatus(ctx, &cri.PodSandboxStatusRequest{PodSandboxId: p.SandboxID})
	if err != nil {
		t.Fatalf("status of pod %s/%s: %v", p.Namespace, p.Name, err)
	}
	return r.GetStatus().GetNetwork().GetIp()
}
