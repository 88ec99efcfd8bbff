package containerd

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Sockets people point nsj at that are not containerd's gRPC API: Docker's
// API socket answers HTTP/1.1 (its answer to HTTP/2's preface is an HTTP/1.1
// status line, which would read as a huge HTTP/2 frame). The caller words
// the message (runtime's wrongProtocol).

// HTTP1Answer is the error for a peer that answered in HTTP/1.x.
type HTTP1Answer struct {
	Status string // the status line, such as "HTTP/1.1 400 Bad Request"
	Docker bool   // a header names Docker
}

func (e *HTTP1Answer) Error() string {
	return fmt.Sprintf("the socket answered %q: HTTP/1.1, not HTTP/2", e.Status)
}

// maxHTTP1Head bounds how many header lines of an HTTP/1.1 answer are read.
const maxHTTP1Head = 64

// readHTTP1Answer reads the head of an HTTP/1.x answer whose first bytes,
// start, were already read, and says whether it comes from Docker.
func readHTTP1Answer(start []byte, r *bufio.Reader) error {
	line, _ := r.ReadString('\n')
	e := &HTTP1Answer{Status: strings.TrimSpace(string(start) + line)}
	for range maxHTTP1Head {
		line, err := r.ReadString('\n')
		line = strings.TrimSpace(line)
		if err != nil || line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		switch strings.ToLower(name) {
		case "server":
			e.Docker = e.Docker || strings.Contains(value, "Docker")
		case "api-version", "docker-experimental":
			e.Docker = true
		}
	}
	return e
}

// isHTTP1 says whether the first bytes of an answer are an HTTP/1.x status line.
func isHTTP1(start []byte) bool { return bytes.HasPrefix(start, []byte("HTTP/1.")) }
