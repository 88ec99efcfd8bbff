package runtime

import (
	"context"
	"fmt"
	"github.com/nsj-dev/nsj/internal/base/ident"
	"slices"
	"strings"
	"time"

	"github.com/nsj-dev/nsj/internal/base/cri"
	"github.com/nsj-dev/nsj/internal/base/podrule"
)

// Kubernetes pods, as containerd's CRI plugin keeps them: each pod is a
// sandbox container (the pause process, which holds the pod's network, IPC
// and UTS namespaces) and app containers, all in containerd namespace
// KubernetesNamespace and labelled by kubelet with the pod's name, namespace
// and UID and the container's name. A restarted container leaves its old
// instances behind, with the same labels.

// KubernetesNamespace is the containerd namespace of the CRI plugin.
const KubernetesNamespace = cri.Namespace

// ForPods is o for looking up pods: in containerd namespace
// KubernetesNamespace unless -n (o.Namespace) names another. Every pod
// look-up (a pod target, --list-pods, --inspect of a pod, --all
// --pod-namespace) connects with it, so this is the one place that decides.
func (o Options) ForPods() Options {
	if o.Namespace == "" {
		o.Namespace = KubernetesNamespace
	}
	return o
}

// DefaultPodNamespace is the pod namespace when none is given.
const DefaultPodNamespace = "default"

// More labels and annotations of CRI containers (see select.go for the rest).
const (
	criPodUID = cri.LabelPodUID
	criKind   = cri.LabelKind // KindSandbox or KindContainer
	// KindSandbox and KindContainer are the values of the CRI kind label.
	KindSandbox   = cri.KindSandbox
	KindContainer = cri.KindContainer
	// AnnotationDefaultContainer is the pod annotation naming the container
	// that kubectl exec and logs pick when none is named.
	AnnotationDefaultContainer = podrule.AnnotationDefaultContainer
)

// PodRef names a pod and, optionally, one of its containers.
type PodRef struct {
	Namespace string // the pod's namespace; "" means DefaultPodNamespace
	Name      string
	Container string // "" to let FindPod choose
}

func (r PodRef) String() string { return r.namespace() + "/" + r.Name }

func (r PodRef) namespace() string {
	if r.Namespace == "" {
		return DefaultPodNamespace
	}
	return r.Namespace
}

// Pod is one pod on the node: the newest of its sandboxes and the app
// containers of the same pod UID.
type Pod struct {
	Namespace, Name, UID string
	// Sandbox is the pod's running sandbox, else its newest one; nil when
	// containerd has no sandbox container of the pod.
	Sandbox *Target
	// Containers are the app containers (init containers too), by name,
	// the newest instance of each name first.
	Containers []Target
	// Annotations are the pod's annotations, as kubelet gave them to CRI.
	Annotations map[string]string
	// NetNSPath is the file of the pod's network namespace (a
	// /var/run/netns/cni-... file, or one in containerd's state directory);
	// "" for a pod on the host's network.
	NetNSPath string
	// HostNetwork: the pod shares the host's network namespace.
	HostNetwork bool
	// SharedPID: the pod's containers share one pid namespace, the
	// sandbox's (shareProcessNamespace), whose pid 1 is the pause process.
	SharedPID bool
	// Socket is the socket of the containerd that has the pod.
	Socket string

	created time.Time // of the sandbox
}

// Ref is the pod's PodRef, without a container.
func (p *Pod) Ref() PodRef { return PodRef{Namespace: p.Namespace, Name: p.Name} }

// ContainerNames lists the names of the pod's app containers, sorted.
func (p *Pod) ContainerNames() []string {
	var names []string
	for i := range p.Containers {
		if n := ContainerName(&p.Containers[i]); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// ContainerName is the Kubernetes name of a pod's app container, from its
// labels; "" for a sandbox or a container CRI did not make.
func ContainerName(t *Target) string { return t.Labels[criContainer] }

// PodTarget is what FindPod resolved a PodRef to.
type PodTarget struct {
	Pod    *Pod
	Target *Target // the container to join: an app container or the sandbox
	// Container is the app container's name; "" when Target is the sandbox.
	Container string
	// Fallback says why the sandbox was chosen instead of the app
	// container the user meant (it has no running task); "" otherwise.
	Fallback string
}

// Sandbox reports whether the target is the pod's sandbox.
func (t *PodTarget) Sandbox() bool { return t.Container == "" }

// FindPod resolves ref in the client's namespace (the CLI makes that
// KubernetesNamespace) on every containerd of the node (node.go), with one
// filtered Containers call and one Tasks call on each. A pod found on more
// than one containerd is an error listing them (choosePod). With sandbox,
// or when the container has no running instance, the target is the pod's
// sandbox, which must be running. Without ref.Container, the container is
// the one internal/base/podrule picks: the one the pod's default-container
// annotation names, else its only one (containerd cannot tell init
// containers apart: they count too). Errors are of kinds ErrNotFound,
// ErrAmbiguous, ErrNotRunning and ErrUnavailable.
func (c *Client) FindPod(ctx context.Context, ref PodRef, sandbox bool) (*PodTarget, error) {
	for _, s := range []string{ref.namespace(), ref.Name, ref.Container} {
		if s != "" && !ident.Valid(s) {
			return nil, newError(ErrNotFound, "%q is not a Kubernetes name: names "+ident.Rule, s)
		}
	}
	found, err := c.podsOnNode(ctx, labelFilter(criPodName, ref.Name)+","+labelFilter(criPodNamespace, ref.namespace()))
	if err != nil {
		return nil, err
	}
	pods, err := choosePod(ref, c.namespace, found)
	if err != nil {
		return nil, err
	}
	p := newestPod(pods)
	if sandbox {
		return sandboxTarget(p, "")
	}
	return containerTarget(p, ref.Container)
}

// labelFilter is a containerd filter matching containers with label key = value.
func labelFilter(key, value string) string {
	return fmt.Sprintf("labels.%q==%q", key, value)
}

// newestPod picks, among pods of the same name (recreated with a new UID),
// the one whose sandbox runs, newest first.
func newestPod(pods []Pod) *Pod {
	best := &pods[0]
	for i := range pods[1:] {
		p := &pods[i+1]
		if sandboxRank(p) > sandboxRank(best) ||
			sandboxRank(p) == sandboxRank(best) && p.created.After(best.created) {
			best = p
		}
	}
	return best
}

// sandboxRank orders pods: a running sandbox, any sandbox, none.
func sandboxRank(p *Pod) int {
	switch {
	case p.Sandbox == nil:
		return 0
	case Joinable(p.Sandbox.Status):
		return 2
	}
	return 1
}

// sandboxTarget targets the pod's sandbox; fallback says why, if the user
// named (or meant) an app container.
func sandboxTarget(p *Pod, fallback string) (*PodTarget, error) {
	switch {
	case p.Sandbox == nil && fallback != "":
		return nil, newError(ErrNotRunning, "%s, and the pod has no sandbox container; see nsj --list --pods", fallback)
	case p.Sandbox == nil:
		return nil, newError(ErrNotFound, "pod %s has no sandbox container; see nsj --list --pods", p.Ref())
	case !Joinable(p.Sandbox.Status) && fallback != "":
		return nil, newError(ErrNotRunning, "%s, and neither is the pod's sandbox (%s): the pod is stopped; see nsj --list --pods", fallback, p.Sandbox.Status)
	case !Joinable(p.Sandbox.Status):
		return nil, newError(ErrNotRunning, "the sandbox of pod %s is %s: the pod is stopped; see nsj --list --pods", p.Ref(), p.Sandbox.Status)
	}
	return &PodTarget{Pod: p, Target: p.Sandbox, Fallback: fallback}, nil
}

// containerTarget picks the app container name (or the pod's default) and
// its newest running instance, else falls back to the sandbox.
func containerTarget(p *Pod, name string) (*PodTarget, error) {
	names := p.ContainerNames()
	switch {
	case name != "" && !slices.Contains(names, name):
		return nil, newError(ErrNotFound, "pod %s has no container %q (it has: %s); see nsj --list --pods", p.Ref(), name, listOrNone(names))
	case name == "":
		def, what := podrule.DefaultContainer(podrule.Pod{Containers: names, Annotations: p.Annotations})
		switch what {
		case podrule.NoContainers:
			return sandboxTarget(p, fmt.Sprintf("pod %s has no containers", p.Ref()))
		case podrule.Several:
			return nil, newError(ErrAmbiguous, "pod %s has several containers: %s; name one: pod/%s/CONTAINER", p.Ref(), joinNames(names), p.Name)
		case podrule.AnnotatedMissing:
			return nil, newError(ErrNotFound, "pod %s names %q as its default container (annotation %s), but has no such container (it has: %s); name one: pod/%s/CONTAINER",
				p.Ref(), def, AnnotationDefaultContainer, listOrNone(names), p.Name)
		}
		name = def
	}
	var newest *Target
	for i := range p.Containers {
		t := &p.Containers[i]
		if ContainerName(t) != name {
			continue
		}
		if newest == nil {
			newest = t
		}
		if Joinable(t.Status) {
			return &PodTarget{Pod: p, Target: t, Container: name}, nil
		}
	}
	why := fmt.Sprintf("container %q of pod %s is not running (its newest instance, %s, is %s)", name, p.Ref(), ShortID(newest.ID), statusWords(newest.Status))
	return sandboxTarget(p, why)
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return joinNames(names)
}

func statusWords(s string) string {
	if s == StatusNoTask {
		return "exited, its task removed"
	}
	return s
}

// ShortID is the first 12 characters of a CRI container ID (64 hex
// digits), as --list --pods shows it; other IDs are returned whole.
func ShortID(id string) string {
	if len(id) == 64 && strings.Trim(id, "0123456789abcdef") == "" {
		return id[:12]
	}
	return id
}
