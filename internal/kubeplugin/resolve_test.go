package kubeplugin

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

const (
	webID   = "3f2a9c1e5b7d4f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"
	sideID  = "9c1e3f2a5b7d4f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"
	initID  = "1111aaaa5b7d4f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"
	debugID = "2222bbbb5b7d4f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"
)

func running(name, id string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, ContainerID: id,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func waiting(name, id, reason string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, ContainerID: id,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
}

// webPod is a running pod on node-1 with containers app and sidecar, an
// init container and an ephemeral debug container; change modifies it.
func webPod(change func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
		Spec: corev1.PodSpec{
			NodeName:            "node-1",
			Containers:          []corev1.Container{{Name: "app"}, {Name: "sidecar"}},
			InitContainers:      []corev1.Container{{Name: "migrate"}},
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger"}}},
		},
		Status: corev1.PodStatus{
			Phase:                      corev1.PodRunning,
			ContainerStatuses:          []corev1.ContainerStatus{running("app", "containerd://"+webID), running("sidecar", "containerd://"+sideID)},
			InitContainerStatuses:      []corev1.ContainerStatus{running("migrate", "containerd://"+initID)},
			EphemeralContainerStatuses: []corev1.ContainerStatus{running("debugger", "containerd://"+debugID)},
		},
	}
	if change != nil {
		change(p)
	}
	return p
}

func TestTargetOfResolvesContainerAndNode(t *testing.T) {
	single := func(p *corev1.Pod) {
		p.Spec.Containers = p.Spec.Containers[:1]
		p.Status.ContainerStatuses = p.Status.ContainerStatuses[:1]
	}
	tests := []struct {
		name      string
		pod       *corev1.Pod
		container string
		want      string // container name
		wantID    string
	}{
		{"named container", webPod(nil), "sidecar", "sidecar", sideID},
		{"only container", webPod(single), "", "app", webID},
		{"default-container annotation", webPod(func(p *corev1.Pod) {
			p.Annotations = map[string]string{DefaultContainerAnnotation: "sidecar"}
		}), "", "sidecar", sideID},
		{"-c wins over the annotation", webPod(func(p *corev1.Pod) {
			p.Annotations = map[string]string{DefaultContainerAnnotation: "sidecar"}
		}), "app", "app", webID},
		{"init container", webPod(nil), "migrate", "migrate", initID},
		{"ephemeral container", webPod(nil), "debugger", "debugger", debugID},
		{"phase Pending but running", webPod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending }), "app", "app", webID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TargetOf(tt.pod, tt.container)
			if err != nil {
				t.Fatal(err)
			}
			want := Target{Namespace: "shop", Pod: "web", Container: tt.want, Node: "node-1", ContainerID: tt.wantID}
			if *got != want {
				t.Fatalf("got %+v, want %+v", *got, want)
			}
		})
	}
}

func TestTargetOfExplainsWhyItCannotJoin(t *testing.T) {
	tests := []struct {
		name      string
		change    func(*corev1.Pod)
		container string
		want      []string
	}{
		{"not scheduled", func(p *corev1.Pod) { p.Spec.NodeName = ""; p.Status = corev1.PodStatus{} }, "app",
			[]string{"pod shop/web is not scheduled to a node yet (phase Pending)", "kubectl describe pod web -n shop"}},
		{"completed", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }, "app",
			[]string{"pod shop/web has completed (phase Succeeded)", "running containers only"}},
		{"failed", func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }, "app",
			[]string{"(phase Failed)"}},
		{"several containers, no default", nil, "",
			[]string{"pod shop/web has 2 containers; choose one with -c: app, sidecar"}},
		{"no such container", nil, "db",
			[]string{`pod shop/web has no container "db"; its containers: app, sidecar, migrate, debugger`}},
		{"annotation names a missing container", func(p *corev1.Pod) {
			p.Annotations = map[string]string{DefaultContainerAnnotation: "gone"}
		}, "", []string{`names "gone" as its default container`, "choose one with -c: app, sidecar"}},
		{"not started, no status", func(p *corev1.Pod) { p.Status.ContainerStatuses = nil }, "app",
			[]string{`container "app" of pod shop/web has not started yet (no status yet)`, "kubectl get pod web -n shop"}},
		{"not started, no container ID", func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0] = waiting("app", "", "ContainerCreating")
		}, "app", []string{"has not started yet (waiting: ContainerCreating)"}},
		{"crash loop", func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0] = waiting("app", "containerd://"+webID, "CrashLoopBackOff")
		}, "app", []string{`container "app" of pod shop/web is not running (waiting: CrashLoopBackOff)`, "running containers only"}},
		{"terminated", func(p *corev1.Pod) {
			p.Status.InitContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}
		}, "migrate", []string{"is not running (terminated: Completed, exit code 0)"}},
		{"cri-o", func(p *corev1.Pod) { p.Status.ContainerStatuses[0].ContainerID = "cri-o://" + webID }, "app",
			[]string{"runs on cri-o (cri-o://3f2a", "not containerd; nsj finds containers through containerd"}},
		{"docker", func(p *corev1.Pod) { p.Status.ContainerStatuses[0].ContainerID = "docker://" + webID }, "app",
			[]string{"runs on Docker", "nsj -n moby " + webID}},
		{"ID without runtime", func(p *corev1.Pod) { p.Status.ContainerStatuses[0].ContainerID = webID }, "app",
			[]string{`container "app" of pod shop/web has container ID "` + webID + `", not RUNTIME://ID with 64 lowercase hex digits`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := TargetOf(webPod(tt.change), tt.container)
			checkPluginError(t, err, tt.want...)
		})
	}
}

// A status.containerID that is not RUNTIME://<64 hex digits> never reaches
// nsj's command line on the node: "containerd://-t1" made it
// "nsj -n k8s.io -t1 sh", a shell in the host's namespaces.
func TestTargetOfRefusesMalformedContainerIDs(t *testing.T) {
	for _, id := range []string{
		"containerd://-t1", "containerd://--target-pid=1", "containerd://", "cri-o://-t1", "docker://-t1",
		"containerd://" + webID[:63], "containerd://" + webID + "0", "containerd://" + strings.ToUpper(webID),
		"containerd://" + webID[:63] + "\n", "containerd://" + webID[:63] + "g", "containerd://../../" + webID[6:],
	} {
		t.Run(id, func(t *testing.T) {
			target, err := TargetOf(webPod(func(p *corev1.Pod) { p.Status.ContainerStatuses[0].ContainerID = id }), "app")
			if err == nil {
				t.Fatalf("accepted: the agent would run %q", NsjArgs(target, []string{"sh"}, false))
			}
			checkPluginError(t, err, fmt.Sprintf(`container "app" of pod shop/web has container ID %q, not RUNTIME://ID with 64 lowercase hex digits`, id))
		})
	}
}

// checkPluginError fails unless err is the plugin's own, one line, with
// every one of want in it.
func checkPluginError(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !IsPluginError(err) || ExitCode(err) != ExitFailure {
		t.Fatalf("%v: not a plugin error with exit status %d", err, ExitFailure)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "; ") {
		t.Errorf("%q: not one line of what failed, why and what to do", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%q does not say %q", msg, w)
		}
	}
}

func TestFindTargetReadsThePodFromTheAPI(t *testing.T) {
	cs := fake.NewClientset(webPod(nil))
	got, err := FindTarget(context.Background(), cs, "shop", "web", "app")
	if err != nil {
		t.Fatal(err)
	}
	if got.Node != "node-1" || got.ContainerID != webID {
		t.Fatalf("got %+v", got)
	}
}

func TestFindTargetExplainsAPIFailures(t *testing.T) {
	podsGR := schema.GroupResource{Resource: "pods"}
	tests := []struct {
		name      string
		namespace string
		pod       string
		fail      error // the API's answer to the get, if not the tracker's
		want      []string
	}{
		{"not found", "shop", "gone", nil, []string{`pod "gone" not found in namespace "shop"`, "kubectl get pods -n shop"}},
		{"in another namespace", "default", "web", nil, []string{`pod "web" not found in namespace "default"`}},
		{"forbidden", "shop", "web", apierrors.NewForbidden(podsGR, "web", nil),
			[]string{"reading pod shop/web", "forbidden", "needs get on pods in namespace shop"}},
		{"unauthorized", "shop", "web", apierrors.NewUnauthorized("token expired"),
			[]string{"reading pod shop/web", "log in to the cluster again"}},
		{"server error", "shop", "web", apierrors.NewInternalError(context.DeadlineExceeded),
			[]string{"reading pod shop/web", "check the cluster connection"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := fake.NewClientset(webPod(nil))
			if tt.fail != nil {
				cs.PrependReactor("get", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, tt.fail
				})
			}
			_, err := FindTarget(context.Background(), cs, tt.namespace, tt.pod, "app")
			checkPluginError(t, err, tt.want...)
		})
	}
}
