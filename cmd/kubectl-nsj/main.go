// Command kubectl-nsj is the kubectl plugin "kubectl nsj": it runs a command
// in a pod's container through nsj, on the pod's node, in the nsj-agent pod
// of the DaemonSet in docs/kubernetes (see docs/kubernetes.md). The logic is
// in package internal/kubeplugin.
package main

import (
	"os"

	"github.com/nsj-dev/nsj/internal/kubeplugin"
)

// version is set at build time: -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(kubeplugin.Main(os.Args[1:], version))
}
