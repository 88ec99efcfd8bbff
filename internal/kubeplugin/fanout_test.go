package kubeplugin

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

func TestFanOutArgsPickTheSamePodsOnTheNode(t *testing.T) {
	head := []string{"nsj", "-n", "k8s.io", "--all", "--stop-at-eof", "--selector", "io.cri-containerd.kind=container"}
	tests := []struct {
		f    FanOut
		want []string
	}{
		{FanOut{Selector: "app=web", Command: []string{"ps"}, Namespace: "shop"},
			append(slices.Clone(head), "--pod-namespace", "shop", "--selector", "app=web", "--", "ps")},
		{FanOut{Selector: "app==web,tier=db", Container: "app", Jobs: 3, Output: "json", Command: []string{"ss", "-s"}},
			append(slices.Clone(head), "--selector", "io.kubernetes.container.name=app", "--selector", "app=web", "--selector", "tier=db",
				"-j", "3", "-o", "json", "--", "ss", "-s")},
		{FanOut{Selector: "app!=web,tier,!canary,zone in (a, b)", Command: []string{"ps"}},
			append(slices.Clone(head), "--selector", "app!=web", "--selector", "!canary", "--selector", "tier", "--selector", "zone in (a,b)", "--", "ps")},
		{FanOut{Selector: "app=web", NoPrefix: true, Debug: true, Command: []string{"--", "x"}},
			append(slices.Clone(head), "--debug", "--selector", "app=web", "--no-prefix", "--", "--", "x")},
	}
	for _, tt := range tests {
		got, err := tt.f.Args()
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%+v.Args() = %q, %v\nwant %q", tt.f, got, err, tt.want)
		}
	}
}

func TestPodNodesListsTheNodesOfRunningMatchingPods(t *testing.T) {
	pod := func(ns, name, node string, phase corev1.PodPhase, app string) runtime.Object {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": app}},
			Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: phase}}
	}
	cs := fake.NewClientset(
		pod("shop", "w1", "node-2", corev1.PodRunning, "web"), pod("shop", "w2", "node-1", corev1.PodRunning, "web"),
		pod("shop", "w3", "node-2", corev1.PodRunning, "web"), pod("shop", "w4", "node-3", corev1.PodSucceeded, "web"),
		pod("shop", "w5", "", corev1.PodPending, "web"), pod("shop", "db", "node-4", corev1.PodRunning, "db"),
		pod("blog", "w6", "node-5", corev1.PodRunning, "web"))
	ctx := context.Background()
	if got, err := PodNodes(ctx, cs, "shop", "app=web"); err != nil || !slices.Equal(got, []string{"node-1", "node-2"}) {
		t.Errorf("-n shop: %q, %v; want node-1, node-2", got, err)
	}
	if got, err := PodNodes(ctx, cs, "", "app=web"); err != nil || !slices.Equal(got, []string{"node-1", "node-2", "node-5"}) {
		t.Errorf("-A: %q, %v; want node-1, node-2, node-5", got, err)
	}
	_, err := PodNodes(ctx, cs, "shop", "app=cache")
	if err == nil || !strings.Contains(err.Error(), "no running pod with labels app=cache in namespace shop (0 listed); see kubectl get pods -l app=cache -n shop") {
		t.Errorf("no match: %v", err)
	}
}

func TestLineWriterKeepsLinesOfNodesWhole(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	a, b := newLineWriter(&out, &mu), newLineWriter(&out, &mu)
	a.Write([]byte("shop/w1/app: hel"))
	b.Write([]byte("shop/w2/app: one\nshop/w2/app: tw"))
	a.Write([]byte("lo\n"))
	b.Write([]byte("o"))
	b.Flush()
	a.Flush()
	if want := "shop/w2/app: one\nshop/w1/app: hello\nshop/w2/app: two"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}
