// Command kubectl-nsj is the kubectl plugin "kubectl nsj": it runs a command
// in a pod's container through nsj, on the pod's node, in the nsj-agent pod
// of the DaemonSet in docs/kubernetes (see docs/kubernetes.md). The command
// line (flags, usage, the run) is here; resolving the pod, finding the agent,
// the exec and the fan-out are package internal/kubeplugin.
package main

import "os"

// version is set at build time: -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(plugin(os.Args[1:], version))
}
