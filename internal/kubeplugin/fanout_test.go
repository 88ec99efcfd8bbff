package kubeplugin

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

func TestParseArgsTakesASelectorInsteadOfAPod(t *testing.T) {
	tests := []struct {
		args []string
		want Options
	}{
		{[]string{"-l", "app=web", "--", "ss", "-s"}, Options{Selector: "app=web", Command: []string{"ss", "-s"}}},
		{[]string{"-l", "app=web,tier=db", "-A", "-j", "4", "-o", "json", "-c", "app", "--", "ps"},
			Options{Selector: "app=web,tier=db", AllNamespaces: true, Jobs: 4, Output: "json", Container: "app", Command: []string{"ps"}}},
		{[]string{"-n", "shop", "--selector=app=web", "--no-prefix", "--", "ps"}, Options{Namespace: "shop", Selector: "app=web", NoPrefix: true, Command: []string{"ps"}}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := ParseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.AgentNamespace = AgentNamespace
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseArgsRejectsWhatDoesNotGoWithASelector(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-l", "app=web", "web", "--", "ps"}, `"web" and -l app=web: -l picks the pods; name no pod with it`},
		{[]string{"-l", "app=web", "tcpdump", "-i", "any"}, `"tcpdump -i any" after the flags: the command must follow "--"; run kubectl nsj -l app=web -- tcpdump -i any`},
		{[]string{"-l", "app=web", "-A", "-n", "shop", "--", "ps"}, "-A and -n shop: -A takes the pods of every namespace"},
		{[]string{"-l", "app=web"}, "-l runs a command in every matching pod: kubectl nsj -l app=web -- COMMAND"},
		{[]string{"-l", "app=web", "-it", "--", "sh"}, "-i and -t go with one pod"},
		{[]string{"-l", "app=web", "-o", "yaml", "--", "ps"}, `-o "yaml": kubectl nsj -l prints text (the default) or json`},
		{[]string{"-l", "app=web", "-o", "json", "--no-prefix", "--", "ps"}, "--no-prefix is for text output"},
		{[]string{"-l", "app=web", "-j", "-2", "--", "ps"}, "-j -2: run at least one"},
		{[]string{"-l", "replicas>1", "--", "ps"}, `-l "replicas>1": not a label selector: "replicas>1": < and > compare numbers in node affinity only`},
		{[]string{"-l", "app web", "--", "ps"}, `-l "app web": `},
		{[]string{"-l", "", "--", "ps"}, `-l "": no label`},
		{[]string{"-l", "=x", "--", "ps"}, `-l "=x": `},
		{[]string{"-A", "web", "--", "ps"}, "-A, -j, -o and --no-prefix go with -l SELECTOR"},
		{[]string{"-o", "json", "web", "--", "ps"}, "go with -l SELECTOR"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := ParseArgs(tt.args)
			if err == nil || !IsPluginError(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestFanOutArgsPickTheSamePodsOnTheNode(t *testing.T) {
	head := []string{"nsj", "-n", "k8s.io", "--all", "--stop-at-eof", "--selector", "io.cri-containerd.kind=container"}
	tests := []struct {
		o    Options
		ns   string
		want []string
	}{
		{Options{Selector: "app=web", Command: []string{"ps"}}, "shop",
			append(slices.Clone(head), "--pod-namespace", "shop", "--selector", "app=web", "--", "ps")},
		{Options{Selector: "app==web,tier=db", Container: "app", Jobs: 3, Output: "json", Command: []string{"ss", "-s"}}, "",
			append(slices.Clone(head), "--selector", "io.kubernetes.container.name=app", "--selector", "app=web", "--selector", "tier=db",
				"-j", "3", "-o", "json", "--", "ss", "-s")},
		{Options{Selector: "app!=web,tier,!canary,zone in (a, b)", Command: []string{"ps"}}, "",
			append(slices.Clone(head), "--selector", "app!=web", "--selector", "!canary", "--selector", "tier", "--selector", "zone in (a,b)", "--", "ps")},
		{Options{Selector: "app=web", NoPrefix: true, Debug: true, Command: []string{"--", "x"}}, "",
			append(slices.Clone(head), "--debug", "--selector", "app=web", "--no-prefix", "--", "--", "x")},
	}
	for _, tt := range tests {
		got, err := FanOutArgs(&tt.o, tt.ns)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("FanOutArgs(%+v, %q) = %q, %v\nwant %q", tt.o, tt.ns, got, err, tt.want)
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
