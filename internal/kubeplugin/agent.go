package kubeplugin

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// installHint says how to get an agent onto the nodes.
const installHint = "install the DaemonSet with kubectl apply -f docs/kubernetes/nsj-agent.yaml (see docs/kubernetes.md)"

// LookupTimeout bounds reading the pod and finding the agent.
const LookupTimeout = 30 * time.Second

// FindAgent returns the running nsj-agent pod on node, in namespace ns:
// a pod with label app.kubernetes.io/name=nsj-agent whose container "nsj"
// runs, a ready one if there is any.
func FindAgent(ctx context.Context, cs kubernetes.Interface, ns, node string) (*corev1.Pod, error) {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(labels.Set{AgentLabel: AgentName}).String(),
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String(),
	})
	if err != nil {
		return nil, apiError(err, fmt.Sprintf("looking for the nsj-agent pod on node %s", node), "list on pods in namespace "+ns)
	}
	var running, other []*corev1.Pod
	for i := range list.Items {
		p := &list.Items[i]
		if p.Spec.NodeName != node { // the selector does it on a server; be sure
			continue
		}
		if agentRuns(p) {
			running = append(running, p)
		} else {
			other = append(other, p)
		}
	}
	if len(running) > 0 {
		sort.SliceStable(running, func(i, j int) bool { return ready(running[i]) && !ready(running[j]) })
		return running[0], nil
	}
	if len(other) > 0 {
		p := other[0]
		return nil, Errorf("the nsj-agent pod %s/%s on node %s is not running (%s); see kubectl describe pod %s -n %s",
			p.Namespace, p.Name, node, agentState(p), p.Name, p.Namespace)
	}
	return nil, Errorf("no nsj-agent pod on node %s (namespace %s, label %s=%s); %s",
		node, ns, AgentLabel, AgentName, installHint)
}

// agentRuns: the pod runs, is not being deleted, and its nsj container runs.
func agentRuns(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
		return false
	}
	st := statusOf(p, AgentContainer)
	return st != nil && st.State.Running != nil
}

func ready(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// agentState says why an agent pod is not usable: "Pending, container nsj
// waiting: ImagePullBackOff".
func agentState(p *corev1.Pod) string {
	s := string(phaseOf(p))
	if p.DeletionTimestamp != nil {
		s += ", being deleted"
	}
	st := statusOf(p, AgentContainer)
	if st == nil && len(p.Spec.Containers) > 0 && !hasContainer(p, AgentContainer) {
		return s + fmt.Sprintf(", it has no container %q", AgentContainer)
	}
	return s + fmt.Sprintf(", container %s %s", AgentContainer, stateOf(st))
}

func hasContainer(p *corev1.Pod, name string) bool {
	for _, c := range p.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// NsjArgs is the command line run in the agent: nsj in containerd namespace
// k8s.io, "--" (nsj's flags end there: nothing after it, the container ID
// included, is read as one), the container by its full ID, then the
// command. With debug, nsj logs each step.
func NsjArgs(t *Target, command []string, debug bool) []string {
	argv := []string{"nsj", "-n", ContainerdNamespace}
	if debug {
		argv = append(argv, "--debug")
	}
	return append(append(argv, "--", t.ContainerID), command...)
}
