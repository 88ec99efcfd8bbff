package runtime

import (
	"fmt"
	"path/filepath"

	"github.com/nsj-dev/nsj/runtime/containerd"
)

// Sockets people point nsj at that are not containerd's gRPC API: Docker's
// API socket answers HTTP/1.1 (containerd.HTTP1Answer); containerd's ttrpc
// socket is told by its name (see checkSocket), since ttrpc does not answer
// the preface at all.

// DockerContainerdSocket is where Docker's own containerd listens.
const DockerContainerdSocket = "/run/docker/containerd/containerd.sock"

// wrongProtocol is the message for a socket that answered HTTP/1.x.
func wrongProtocol(address string, e *containerd.HTTP1Answer) string {
	if e.Docker || filepath.Base(address) == "docker.sock" {
		return fmt.Sprintf("%s is Docker's API socket (HTTP); nsj talks to containerd: -a %s", address, DockerContainerdSocket)
	}
	return fmt.Sprintf("%s speaks HTTP/1.1, not containerd's gRPC (it answered %q); point -a/--address at containerd's socket", address, e.Status)
}
