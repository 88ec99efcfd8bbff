package runtime

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// Sockets people point nsj at that are not containerd's gRPC API: Docker's
// API socket answers HTTP/1.1 (its answer to HTTP/2's preface is an HTTP/1.1
// status line, which would read as a huge HTTP/2 frame); containerd's ttrpc
// socket is told by its name (see checkSocket), since ttrpc does not answer
// the preface at all.

// DockerContainerdSocket is where Docker's own containerd listens.
const DockerContainerdSocket = "/run/docker/containerd/containerd.sock"

// http1Answer is the error for a peer that answered in HTTP/1.x.
type http1Answer struct {
	status string // the status line, such as "HTTP/1.1 400 Bad Request"
	docker bool   // a header names Docker
}

func (e *http1Answer) Error() string {
	return fmt.Sprintf("the socket answered %q: HTTP/1.1, not HTTP/2", e.status)
}

// maxHTTP1Head bounds how many header lines of an HTTP/1.1 answer are read.
const maxHTTP1Head = 64

// readHTTP1Answer reads the head of an HTTP/1.x answer whose first bytes,
// start, were already read, and says whether it comes from Docker.
func readHTTP1Answer(start []byte, r *bufio.Reader) error {
	line, _ := r.ReadString('\n')
	e := &http1Answer{status: strings.TrimSpace(string(start) + line)}
	for range maxHTTP1Head {
		line, err := r.ReadString('\n')
		line = strings.TrimSpace(line)
		if err != nil || line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		switch strings.ToLower(name) {
		case "server":
			e.docker = e.docker || strings.Contains(value, "Docker")
		case "api-version", "docker-experimental":
			e.docker = true
		}
	}
	return e
}

// isHTTP1 says whether the first bytes of an answer are an HTTP/1.x status line.
func isHTTP1(start []byte) bool { return bytes.HasPrefix(start, []byte("HTTP/1.")) }

// wrongProtocol is the message for a socket that answered HTTP/1.x.
func wrongProtocol(address string, e *http1Answer) string {
	if e.docker || filepath.Base(address) == "docker.sock" {
		return fmt.Sprintf("%s is Docker's API socket (HTTP); nsj talks to containerd: -a %s", address, DockerContainerdSocket)
	}
	return fmt.Sprintf("%s speaks HTTP/1.1, not containerd's gRPC (it answered %q); point -a/--address at containerd's socket", address, e.status)
}
