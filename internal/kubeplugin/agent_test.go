package kubeplugin

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// agentPod is an nsj-agent pod on node, running and ready; change modifies it.
func agentPod(name, node string, change func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: AgentNamespace, Name: name, Labels: map[string]string{AgentLabel: AgentName}},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: AgentContainer}}},
		Status: corev1.PodStatus{
			Phase:             corev1.PodRunning,
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{running(AgentContainer, "containerd://"+webID)},
		},
	}
	if change != nil {
		change(p)
	}
	return p
}

func TestFindAgentPicksTheRunningAgentOnTheNode(t *testing.T) {
	notReady := func(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionFalse }
	pending := func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.ContainerStatuses[0] = waiting(AgentContainer, "", "ImagePullBackOff")
	}
	tests := []struct {
		name string
		pods []runtime.Object
		want string
	}{
		{"the one on the node", []runtime.Object{agentPod("a1", "node-1", nil), agentPod("a2", "node-2", nil)}, "a1"},
		{"ready before not ready", []runtime.Object{agentPod("a0", "node-1", notReady), agentPod("a1", "node-1", nil)}, "a1"},
		{"running before pending", []runtime.Object{agentPod("a0", "node-1", pending), agentPod("a1", "node-1", notReady)}, "a1"},
		{"not being deleted", []runtime.Object{
			agentPod("a0", "node-1", func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{} }),
			agentPod("a1", "node-1", nil),
		}, "a1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindAgent(context.Background(), fake.NewClientset(tt.pods...), AgentNamespace, "node-1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tt.want {
				t.Fatalf("got agent %s, want %s", got.Name, tt.want)
			}
		})
	}
}

func TestFindAgentAsksForTheAgentOfTheNodeOnly(t *testing.T) {
	cs := fake.NewClientset(agentPod("a1", "node-1", nil))
	if _, err := FindAgent(context.Background(), cs, AgentNamespace, "node-1"); err != nil {
		t.Fatal(err)
	}
	var list k8stesting.ListActionImpl
	for _, a := range cs.Actions() {
		if l, ok := a.(k8stesting.ListActionImpl); ok {
			list = l
		}
	}
	r := list.GetListRestrictions()
	if list.GetNamespace() != AgentNamespace || r.Labels.String() != "app.kubernetes.io/name=nsj-agent" || r.Fields.String() != "spec.nodeName=node-1" {
		t.Fatalf("listed namespace %q, labels %q, fields %q", list.GetNamespace(), r.Labels, r.Fields)
	}
}

func TestFindAgentExplainsAMissingAgent(t *testing.T) {
	unlabelled := agentPod("a1", "node-1", func(p *corev1.Pod) { p.Labels = nil })
	tests := []struct {
		name string
		pods []runtime.Object
		fail error
		want []string
	}{
		{"none anywhere", nil, nil, []string{"no nsj-agent pod on node node-1 (namespace nsj, label app.kubernetes.io/name=nsj-agent)", "kubectl apply -f docs/kubernetes/nsj-agent.yaml"}},
		{"only on other nodes", []runtime.Object{agentPod("a2", "node-2", nil)}, nil, []string{"no nsj-agent pod on node node-1"}},
		{"without the label", []runtime.Object{unlabelled}, nil, []string{"no nsj-agent pod on node node-1"}},
		{"image not pulled", []runtime.Object{agentPod("a1", "node-1", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses[0] = waiting(AgentContainer, "", "ImagePullBackOff")
		})}, nil, []string{"the nsj-agent pod nsj/a1 on node node-1 is not running (Pending, container nsj waiting: ImagePullBackOff)", "kubectl describe pod a1 -n nsj"}},
		{"container renamed", []runtime.Object{agentPod("a1", "node-1", func(p *corev1.Pod) {
			p.Spec.Containers[0].Name = "agent"
			p.Status.ContainerStatuses[0].Name = "agent"
		})}, nil, []string{`is not running (Running, it has no container "nsj")`}},
		{"being deleted", []runtime.Object{agentPod("a1", "node-1", func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{} })},
			nil, []string{"(Running, being deleted, container nsj running)"}},
		{"forbidden", nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", nil),
			[]string{"looking for the nsj-agent pod on node node-1", "needs list on pods in namespace nsj"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := fake.NewClientset(tt.pods...)
			if tt.fail != nil {
				cs.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, tt.fail })
			}
			_, err := FindAgent(context.Background(), cs, AgentNamespace, "node-1")
			checkPluginError(t, err, tt.want...)
		})
	}
}

func TestNsjArgsNameTheContainerInK8sNamespace(t *testing.T) {
	target := &Target{ContainerID: webID}
	tests := []struct {
		command []string
		debug   bool
		want    []string
	}{
		{[]string{"tcpdump", "-i", "any", "-nn"}, false, []string{"nsj", "-n", "k8s.io", "--", webID, "tcpdump", "-i", "any", "-nn"}},
		{nil, false, []string{"nsj", "-n", "k8s.io", "--", webID}},
		{[]string{"ps", "-ef"}, true, []string{"nsj", "-n", "k8s.io", "--debug", "--", webID, "ps", "-ef"}},
	}
	for _, tt := range tests {
		if got := NsjArgs(target, tt.command, tt.debug); !slices.Equal(got, tt.want) {
			t.Errorf("NsjArgs(%q, %v) = %q, want %q", tt.command, tt.debug, got, tt.want)
		}
	}
}
