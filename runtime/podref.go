package runtime

import (
	"fmt"
	"slices"
	"strings"
)

// How a pod is named on nsj's command line: pod/NAME[/CONTAINER], in the
// pod namespace given apart (--pod-namespace; "" for the default), or
// k8s://NAME, k8s://NAMESPACE/NAME and k8s://NAMESPACE/NAME/CONTAINER.
const (
	PodPrefix = "pod/"
	K8sPrefix = "k8s://"
)

// IsPodRef reports whether a target names a pod rather than a task.
func IsPodRef(s string) bool {
	return strings.HasPrefix(s, PodPrefix) || strings.HasPrefix(s, K8sPrefix)
}

// ParsePodRef reads a pod reference; podNamespace ("" for the default) is
// the pod namespace given apart, which k8s://NAMESPACE/... may not
// contradict.
func ParsePodRef(s, podNamespace string) (PodRef, error) {
	ref := PodRef{Namespace: podNamespace}
	if rest, ok := strings.CutPrefix(s, PodPrefix); ok {
		parts := strings.Split(rest, "/")
		switch {
		case len(parts) > 2 || slices.Contains(parts, ""):
			return ref, fmt.Errorf("%q: name a pod as pod/NAME or pod/NAME/CONTAINER (its namespace with --pod-namespace)", s)
		case len(parts) == 2:
			ref.Container = parts[1]
		}
		ref.Name = parts[0]
		return ref, nil
	}
	parts := strings.Split(strings.TrimPrefix(s, K8sPrefix), "/")
	if len(parts) > 3 || slices.Contains(parts, "") {
		return ref, fmt.Errorf("%q: name a pod as k8s://NAME, k8s://NAMESPACE/NAME or k8s://NAMESPACE/NAME/CONTAINER", s)
	}
	if len(parts) == 1 {
		ref.Name = parts[0]
		return ref, nil
	}
	if podNamespace != "" && podNamespace != parts[0] {
		return ref, fmt.Errorf("%q names pod namespace %q, --pod-namespace %q; give one", s, parts[0], podNamespace)
	}
	ref.Namespace, ref.Name = parts[0], parts[1]
	if len(parts) == 3 {
		ref.Container = parts[2]
	}
	return ref, nil
}
