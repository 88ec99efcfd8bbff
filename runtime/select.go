package runtime

import (
	"fmt"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/cri"
	"github.com/nsj-dev/nsj/internal/base/selector"
)

// Selector chooses, among the tasks List returns, those that nsj --all runs
// a command in: tasks that can be joined (running, paused or pausing) whose
// labels satisfy every label selector (package selector: kubectl's
// grammar) and, if a pod namespace is wanted, whose container is a
// Kubernetes (CRI) container of a pod in that namespace.
//
// The labels a Selector sees are the container's own, except for a
// Kubernetes app container, which is matched by its POD's labels: containerd's
// CRI plugin puts a pod's labels on its sandbox container only, and merges
// the image's labels (LABEL in a Dockerfile) into each app container's, so
// that an app container's own labels may say app=web when its pod does not.
// Such a container is seen with its pod's labels and its own CRI labels
// (io.kubernetes.*, io.cri-containerd.*: its container name and kind), not
// its image's.
// A pod's labels are those kubelet gave when it made the sandbox (a label
// changed later through the API server is not seen). An app container whose
// sandbox is not among the tasks listed matches no selector, not even
// !KEY. The zero Selector takes every joinable task.
type Selector struct {
	labels       selector.Selector // ANDed
	podNamespace string
}

// ParseSelector builds a Selector from label selectors (each must match;
// see package selector) and a pod namespace ("" for any). A selector that
// cannot be read is an error of kind selector.ErrSyntax.
func ParseSelector(exprs []string, podNamespace string) (Selector, error) {
	s := Selector{podNamespace: podNamespace}
	for _, e := range exprs {
		terms, err := selector.Parse(e)
		if err != nil {
			return Selector{}, err
		}
		s.labels = append(s.labels, terms...)
	}
	return s, nil
}

// matches reports whether t is joinable and labels (its own, or its pod's)
// carry the wanted labels, in the pod namespace if one is wanted.
func (s Selector) matches(t *Target, labels map[string]string, known bool) bool {
	if !Joinable(t.Status) || len(s.labels) > 0 && (!known || !s.labels.Matches(labels)) {
		return false
	}
	// A pod namespace names the pods' containers: not their sandboxes, which
	// share their network and have no container name to show.
	return s.podNamespace == "" || (t.Labels[criPodNamespace] == s.podNamespace && t.Labels[criKind] != KindSandbox)
}

// Select returns the tasks of ts that s matches, in their order. A
// Kubernetes app container is matched by the labels of its pod's sandbox
// among ts.
func (s Selector) Select(ts []Target) []Target {
	var pods map[string]map[string]string
	if len(s.labels) > 0 {
		pods = podLabels(ts)
	}
	var out []Target
	for i := range ts {
		labels, known := selectedLabels(&ts[i], pods)
		if s.matches(&ts[i], labels, known) {
			out = append(out, ts[i])
		}
	}
	return out
}

// selectedLabels are the labels a selector sees of t: for a Kubernetes app
// container, its pod's (its sandbox's in pods; none if it is not there)
// with the container's own CRI labels (criOwnLabel) over them; else its own.
// known is false for an app container whose sandbox is not in pods.
func selectedLabels(t *Target, pods map[string]map[string]string) (labels map[string]string, known bool) {
	uid := t.Labels[criPodUID]
	if uid == "" || t.Labels[criKind] == KindSandbox {
		return t.Labels, true
	}
	pod, ok := pods[podKey(t, uid)]
	if !ok {
		return nil, false
	}
	labels = make(map[string]string, len(pod)+4)
	for k, v := range pod {
		labels[k] = v
	}
	for k, v := range t.Labels {
		if criOwnLabel(k) {
			labels[k] = v
		}
	}
	return labels, true
}

// podKey tells a pod apart among the tasks of every containerd: the
// socket, the containerd namespace and the pod's UID.
func podKey(t *Target, uid string) string { return t.Socket + " " + t.Namespace + "/" + uid }

// criOwnLabel: key is a label that kubelet or the CRI plugin puts on each
// container (io.kubernetes.container.name, io.cri-containerd.kind, ...),
// which a selector sees on the container itself.
func criOwnLabel(key string) bool {
	return strings.HasPrefix(key, "io.kubernetes.") || strings.HasPrefix(key, "io.cri-containerd.")
}

// podLabels maps each pod (podKey) to the labels of the pod's sandbox
// among ts (a running one's, if the pod has several): the pod's labels.
func podLabels(ts []Target) map[string]map[string]string {
	pods := map[string]map[string]string{}
	for i := range ts {
		t := &ts[i]
		uid := t.Labels[criPodUID]
		if uid == "" || t.Labels[criKind] != KindSandbox {
			continue
		}
		key := podKey(t, uid)
		if _, seen := pods[key]; !seen || Joinable(t.Status) {
			pods[key] = t.Labels
		}
	}
	return pods
}

// String describes s for messages, e.g. `app=web, tier!=db, pod namespace
// "shop"`; "" for the zero Selector.
func (s Selector) String() string {
	parts := make([]string, 0, len(s.labels)+1)
	for _, r := range s.labels {
		parts = append(parts, r.String())
	}
	if s.podNamespace != "" {
		parts = append(parts, fmt.Sprintf("pod namespace %q", s.podNamespace))
	}
	return strings.Join(parts, ", ")
}

// The labels the CRI plugin (Kubernetes) puts on a pod's containers.
const (
	criPodNamespace = cri.LabelPodNamespace
	criPodName      = cri.LabelPodName
	criContainer    = cri.LabelContainer
)

// KubernetesName is "<pod-namespace>/<pod>/<container>" for a container the
// CRI plugin made, read from its labels; "" when it lacks any of them (a
// pod's sandbox has no container name, and is not named this way).
func KubernetesName(t *Target) string {
	ns, pod, ctr := t.Labels[criPodNamespace], t.Labels[criPodName], t.Labels[criContainer]
	if ns == "" || pod == "" || ctr == "" {
		return ""
	}
	return ns + "/" + pod + "/" + ctr
}
