// Package podrule is the one rule for which container of a Kubernetes pod
// nsj joins when the user names none. nsj pod/NAME (runtime, from what
// containerd knows) and kubectl nsj NAME (internal/kubeplugin, from the API
// server) both ask it, so that they pick the same container. It imports
// nothing, so that neither command pulls in the other's client.
package podrule

import "slices"

// AnnotationDefaultContainer is the pod annotation naming the container that
// kubectl exec and logs pick when none is named.
const AnnotationDefaultContainer = "kubectl.kubernetes.io/default-container"

// Pod is what the rule looks at.
type Pod struct {
	// Containers are the names of the pod's containers, in any order; a
	// name may repeat (a restarted container's instances share it).
	Containers []string
	// Others are names only the annotation may pick: the pod's init and
	// ephemeral containers, when the caller can tell them apart.
	Others []string
	// Annotations are the pod's annotations.
	Annotations map[string]string
}

// Outcome says what DefaultContainer found.
type Outcome int

const (
	// Chosen: the name returned is the container to join.
	Chosen Outcome = iota
	// NoContainers: the pod has no containers.
	NoContainers
	// Several: the pod has several containers and no annotation names one.
	Several
	// AnnotatedMissing: the annotation names a container the pod does not
	// have (the name returned); the user must name one.
	AnnotatedMissing
)

// DefaultContainer picks the container the pod's default-container
// annotation names, else the pod's only container. Whether that container
// runs does not matter here: a crash-looping container is still the pod's
// default, and the caller says what to do about it.
func DefaultContainer(p Pod) (string, Outcome) {
	if def := p.Annotations[AnnotationDefaultContainer]; def != "" {
		if slices.Contains(p.Containers, def) || slices.Contains(p.Others, def) {
			return def, Chosen
		}
		return def, AnnotatedMissing
	}
	names := slices.Compact(slices.Sorted(slices.Values(p.Containers)))
	switch len(names) {
	case 0:
		return "", NoContainers
	case 1:
		return names[0], Chosen
	}
	return "", Several
}
