package runtime

import (
	"errors"
	"fmt"
	"strings"
)

// Selector chooses, among the tasks List returns, those that nsj --all runs
// a command in: tasks that can be joined (running, paused or pausing) whose
// container carries every wanted label and, if a pod namespace is wanted,
// the Kubernetes (CRI) label io.kubernetes.pod.namespace with that value.
// The zero Selector takes every joinable task.
type Selector struct {
	labels       []label // ANDed
	podNamespace string
}

type label struct{ key, value string }

// ErrBadSelector: a label selector is not KEY=VALUE.
var ErrBadSelector = errors.New("not KEY=VALUE")

// ParseSelector builds a Selector from KEY=VALUE expressions (each must
// match: an empty VALUE matches a label whose value is empty) and a pod
// namespace ("" for any). An expression without '=' or with an empty KEY is
// an error of kind ErrBadSelector.
func ParseSelector(exprs []string, podNamespace string) (Selector, error) {
	s := Selector{podNamespace: podNamespace}
	for _, e := range exprs {
		key, value, ok := strings.Cut(e, "=")
		if !ok || key == "" {
			return Selector{}, fmt.Errorf("%q: %w", e, ErrBadSelector)
		}
		s.labels = append(s.labels, label{key, value})
	}
	return s, nil
}

// Matches reports whether t is joinable and carries the wanted labels (in
// the pod namespace, if one is wanted).
func (s Selector) Matches(t *Target) bool {
	if !Joinable(t.Status) {
		return false
	}
	for _, l := range s.labels {
		if v, ok := t.Labels[l.key]; !ok || v != l.value {
			return false
		}
	}
	// A pod namespace names the pods' containers: not their sandboxes, which
	// share their network and have no container name to show.
	return s.podNamespace == "" || (t.Labels[criPodNamespace] == s.podNamespace && t.Labels[criKind] != KindSandbox)
}

// Select returns the tasks of ts that s matches, in their order.
func (s Selector) Select(ts []Target) []Target {
	var out []Target
	for i := range ts {
		if s.Matches(&ts[i]) {
			out = append(out, ts[i])
		}
	}
	return out
}

// String describes s for messages, e.g. `app=web, tier=db, pod namespace
// "shop"`; "" for the zero Selector.
func (s Selector) String() string {
	parts := make([]string, 0, len(s.labels)+1)
	for _, l := range s.labels {
		parts = append(parts, l.key+"="+l.value)
	}
	if s.podNamespace != "" {
		parts = append(parts, fmt.Sprintf("pod namespace %q", s.podNamespace))
	}
	return strings.Join(parts, ", ")
}

// The labels the CRI plugin (Kubernetes) puts on a pod's containers.
const (
	criPodNamespace = "io.kubernetes.pod.namespace"
	criPodName      = "io.kubernetes.pod.name"
	criContainer    = "io.kubernetes.container.name"
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
