package runtime

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/nsj-dev/nsj/runtime/containerd"
)

// Sockets people point nsj at that are not containerd's gRPC API: Docker's
// API socket answers HTTP/1.1 (containerd.HTTP1Answer); containerd's ttrpc
// socket is told by its name (see checkSocket), since ttrpc does not answer
// the preface at all.

// DockerContainerdSocket is where the containerd that dockerd starts itself
// listens (Docker engines before 23, without a system containerd).
const DockerContainerdSocket = "/run/docker/containerd/containerd.sock"

// wrongProtocol is the message for a socket that answered HTTP/1.x.
// mobyOn is the containerd socket that holds Docker's namespace, or "".
func wrongProtocol(address string, e *containerd.HTTP1Answer, mobyOn string) string {
	if !e.Docker && filepath.Base(address) != "docker.sock" {
		return fmt.Sprintf("%s speaks HTTP/1.1, not containerd's gRPC (it answered %q); point -a/--address at containerd's socket", address, e.Status)
	}
	if mobyOn == "" {
		return fmt.Sprintf("%s is Docker's API socket (HTTP); nsj talks to containerd, and no containerd at %s holds Docker's namespace %q: -a the socket dockerd's --containerd names (ps -o args -C dockerd)",
			address, strings.Join(DefaultSockets, ", "), DockerNamespace)
	}
	return fmt.Sprintf("%s is Docker's API socket (HTTP); nsj talks to containerd: -a %s (it holds Docker's namespace %q)", address, mobyOn, DockerNamespace)
}
