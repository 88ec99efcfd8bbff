// Package cri names what containerd's CRI plugin (Kubernetes' runtime)
// gives the containers it makes: their containerd namespace and the labels
// kubelet and the plugin put on each. nsj pod/NAME (runtime) and kubectl nsj
// (internal/kubeplugin) both read them here. It imports nothing, so that
// neither command pulls in the other's client.
package cri

// Namespace is the containerd namespace of the CRI plugin's containers.
const Namespace = "k8s.io"

// Labels of a pod's containers, sandbox and app containers alike.
const (
	LabelPodNamespace = "io.kubernetes.pod.namespace"
	LabelPodName      = "io.kubernetes.pod.name"
	LabelPodUID       = "io.kubernetes.pod.uid"
	LabelContainer    = "io.kubernetes.container.name" // an app container's name in its pod
	LabelKind         = "io.cri-containerd.kind"       // KindSandbox or KindContainer
)

// The values of LabelKind.
const (
	KindSandbox   = "sandbox"
	KindContainer = "container"
)
