package kubeplugin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/cri"
	"github.com/nsj-dev/nsj/internal/base/podrule"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// What the DaemonSet of docs/kubernetes/nsj-agent.yaml provides; its unit
// test checks the manifest against these.
const (
	AgentNamespace = "nsj"                    // namespace of the DaemonSet
	AgentName      = "nsj-agent"              // value of AgentLabel
	AgentLabel     = "app.kubernetes.io/name" // label of every agent pod
	AgentContainer = "nsj"                    // the container to exec in
	// ContainerdNamespace is where the CRI plugin keeps Kubernetes' containers.
	ContainerdNamespace = cri.Namespace
	// DefaultContainerAnnotation names a pod's default container, as kubectl reads it.
	DefaultContainerAnnotation = podrule.AnnotationDefaultContainer
)

// Target is the container to join: where it runs and its containerd ID.
type Target struct {
	Namespace, Pod string // the pod
	Container      string // the container's name in the pod
	Node           string // spec.nodeName
	ContainerID    string // containerd's ID: status.containerID without "containerd://"
}

func (t *Target) String() string {
	return fmt.Sprintf("container %q of pod %s/%s", t.Container, t.Namespace, t.Pod)
}

// FindTarget reads pod namespace/name and resolves its container (named, or
// the default one) to the node it runs on and its containerd container ID.
func FindTarget(ctx context.Context, cs kubernetes.Interface, namespace, name, container string) (*Target, error) {
	pod, err := cs.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, Errorf("pod %q not found in namespace %q; see kubectl get pods -n %s", name, namespace, namespace)
	case err != nil:
		return nil, apiError(err, fmt.Sprintf("reading pod %s/%s", namespace, name), "get on pods in namespace "+namespace)
	}
	return TargetOf(pod, container)
}

// TargetOf resolves a container of pod (named, or the default one) to the
// node it runs on and its containerd container ID.
func TargetOf(pod *corev1.Pod, container string) (*Target, error) {
	ref := fmt.Sprintf("pod %s/%s", pod.Namespace, pod.Name)
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return nil, Errorf("%s has completed (phase %s): its containers no longer run; nsj joins running containers only", ref, pod.Status.Phase)
	}
	if pod.Spec.NodeName == "" {
		return nil, Errorf("%s is not scheduled to a node yet (phase %s); see kubectl describe pod %s -n %s", ref, phaseOf(pod), pod.Name, pod.Namespace)
	}
	name, err := pickContainer(pod, container)
	if err != nil {
		return nil, err
	}
	t := &Target{Namespace: pod.Namespace, Pod: pod.Name, Container: name, Node: pod.Spec.NodeName}
	t.ContainerID, err = containerdID(t, statusOf(pod, name))
	if err != nil {
		return nil, err
	}
	return t, nil
}

func phaseOf(pod *corev1.Pod) corev1.PodPhase {
	if pod.Status.Phase == "" {
		return corev1.PodPending
	}
	return pod.Status.Phase
}

// pickContainer returns the container named by -c (any kind), else the one
// internal/base/podrule picks: the one the default-container annotation names
// (any kind), else the pod's only container.
func pickContainer(pod *corev1.Pod, name string) (string, error) {
	ref := fmt.Sprintf("pod %s/%s", pod.Namespace, pod.Name)
	all := containerNames(pod)
	if name != "" {
		if slices.Contains(all, name) {
			return name, nil
		}
		return "", Errorf("%s has no container %q; its containers: %s", ref, name, strings.Join(all, ", "))
	}
	var names []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	def, what := podrule.DefaultContainer(podrule.Pod{Containers: names, Others: all[len(names):], Annotations: pod.Annotations})
	switch what {
	case podrule.AnnotatedMissing:
		return "", Errorf("%s names %q as its default container (annotation %s), but has no such container; choose one with -c: %s",
			ref, def, DefaultContainerAnnotation, strings.Join(all, ", "))
	case podrule.NoContainers:
		return "", Errorf("%s has no containers", ref)
	case podrule.Several:
		return "", Errorf("%s has %d containers; choose one with -c: %s", ref, len(names), strings.Join(names, ", "))
	}
	return def, nil
}

// containerNames lists the containers, then the init and ephemeral ones.
func containerNames(pod *corev1.Pod) []string {
	var names []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name)
	}
	return names
}

// statusOf finds the status of the named container of any kind, or nil.
func statusOf(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{
		pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses, pod.Status.EphemeralContainerStatuses,
	} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// containerdID checks that the container runs, under containerd, and
// returns its containerd ID.
func containerdID(t *Target, st *corev1.ContainerStatus) (string, error) {
	if st == nil || st.ContainerID == "" {
		return "", Errorf("%s has not started yet (%s); wait until kubectl get pod %s -n %s shows it running",
			t, stateOf(st), t.Pod, t.Namespace)
	}
	if st.State.Running == nil {
		return "", Errorf("%s is not running (%s); nsj joins running containers only: see kubectl describe pod %s -n %s",
			t, stateOf(st), t.Pod, t.Namespace)
	}
	scheme, id, ok := strings.Cut(st.ContainerID, "://")
	switch {
	case !ok || !isRuntimeID(id):
		return "", Errorf("%s has container ID %q, not RUNTIME://ID with 64 lowercase hex digits; nsj takes no other form (see kubectl get pod %s -n %s -o yaml)",
			t, st.ContainerID, t.Pod, t.Namespace)
	case scheme == "docker":
		return "", Errorf("%s runs on Docker (%s), not containerd's CRI; on the node, run nsj -n moby %s COMMAND", t, st.ContainerID, id)
	case scheme != "containerd":
		return "", Errorf("%s runs on %s (%s), not containerd; nsj finds containers through containerd, so it cannot join this one",
			t, scheme, st.ContainerID)
	}
	return id, nil
}

// isRuntimeID reports an ID as containerd's CRI, CRI-O and Docker make
// them: 64 lowercase hex digits. Anything else in status.containerID is not
// passed on: on the node it would be nsj's command line ("-t1" is a flag).
func isRuntimeID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// stateOf describes a container's state: "waiting: CrashLoopBackOff".
func stateOf(st *corev1.ContainerStatus) string {
	switch {
	case st == nil:
		return "no status yet"
	case st.State.Waiting != nil && st.State.Waiting.Reason != "":
		return "waiting: " + st.State.Waiting.Reason
	case st.State.Waiting != nil:
		return "waiting"
	case st.State.Terminated != nil:
		tm := st.State.Terminated
		return fmt.Sprintf("terminated: %s, exit code %d", tm.Reason, tm.ExitCode)
	case st.State.Running != nil:
		return "running"
	}
	return "state unknown"
}

// apiError words a failed API call: what was being done, why it failed and,
// when the cluster refused it, which permission it takes.
func apiError(err error, what, permission string) error {
	switch {
	case apierrors.IsForbidden(err):
		return Errorf("%s: %w; kubectl-nsj needs %s (docs/kubernetes/rbac.yaml grants it)", what, err, permission)
	case apierrors.IsUnauthorized(err):
		return Errorf("%s: %w; log in to the cluster again (kubectl get pods checks the credentials)", what, err)
	}
	return Errorf("%s: %w; check the cluster connection with kubectl get pods", what, err)
}
