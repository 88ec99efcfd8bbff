package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Pods on every containerd of the node (issue 21 item 2): a k3s node that
// also runs the system containerd has its pods on the second socket.

// k3sPods is a second CRI containerd: pod default/on-k3s, and a pod
// default/single of its own (another UID) that the first has too.
func k3sPods() *podStore {
	s := &podStore{}
	for i, m := range []member{
		{id: "sb-k3s", pod: "default/on-k3s", uid: "k1", nss: podNet},
		{id: "c-k3s", pod: "default/on-k3s", uid: "k1", name: "web", minute: 1, nss: appNet},
		{id: "sb-single-k3s", pod: "default/single", uid: "k2", nss: podNet},
		{id: "c-single-k3s", pod: "default/single", uid: "k2", name: "nginx", minute: 1, nss: appNet},
	} {
		s.ctrs = append(s.ctrs, m.container())
		s.tsks = append(s.tsks, taskState{ID: m.id, PID: uint32(500 + i), Status: StatusRunning})
	}
	return s
}

// podNode is a node with the pod tests' node() on the first default socket
// and second on k3s's.
func podNode(second store) *Client {
	c := testClient(node(), KubernetesNamespace, true)
	b := testClient(second, KubernetesNamespace, true)
	b.address = k3sSocket
	c.others = []*Client{b}
	return c
}

const k3sSocket = "/run/k3s/containerd/containerd.sock"

func TestFindPodOnEveryContainerd(t *testing.T) {
	got, err := podNode(k3sPods()).FindPod(context.Background(), PodRef{Name: "on-k3s"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Target.ID != "c-k3s" || got.Target.Socket != k3sSocket || got.Pod.Socket != k3sSocket || got.Pod.Sandbox.Socket != k3sSocket {
		t.Errorf("pod on k3s: target %s on %q, pod on %q", got.Target.ID, got.Target.Socket, got.Pod.Socket)
	}
	_, err = podNode(k3sPods()).FindPod(context.Background(), PodRef{Name: "single"}, false)
	want := fmt.Sprintf("pod default/single is on several containerds: %s, %s; pick one with -a SOCKET", DefaultSockets[0], k3sSocket)
	if !errors.Is(err, ErrAmbiguous) || err.Error() != want {
		t.Errorf("pod on both: %v, want %q", err, want)
	}
	_, err = podNode(k3sPods()).FindPod(context.Background(), PodRef{Name: "nope"}, false)
	want = fmt.Sprintf(`no pod default/nope in containerd namespace "k8s.io" (containerd at %s, %s); see nsj --list --pods`, DefaultSockets[0], k3sSocket)
	if !errors.Is(err, ErrNotFound) || err.Error() != want {
		t.Errorf("pod on neither: %v, want %q", err, want)
	}
	// A containerd that does not answer is left out.
	got, err = podNode(&deadPods{}).FindPod(context.Background(), PodRef{Name: "single"}, false)
	if err != nil || got.Target.ID != "c-single" || got.Target.Socket != DefaultSockets[0] {
		t.Errorf("with the second dead: %+v, %v", got, err)
	}
}

func TestListPodsOnEveryContainerd(t *testing.T) {
	l, err := podNode(k3sPods()).ListPodsOnNode(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range l.Pods {
		got = append(got, p.Socket+" "+p.Name)
	}
	if s := strings.Join(got, "|"); !strings.Contains(s, DefaultSockets[0]+" single|") || !strings.HasSuffix(s, "|"+k3sSocket+" on-k3s|"+k3sSocket+" single") {
		t.Errorf("pods %q", got)
	}
	if len(l.Searched) != 2 || l.Searched[1].Socket != k3sSocket || l.Searched[1].Namespaces[0] != KubernetesNamespace {
		t.Errorf("searched %+v", l.Searched)
	}
}

// deadPods is a CRI containerd that does not answer.
type deadPods struct{ podStore }

func (deadPods) containers(ctx context.Context, _ string, _ ...string) ([]container, error) {
	_, err := deadStore{}.namespaces(ctx)
	return nil, err
}
