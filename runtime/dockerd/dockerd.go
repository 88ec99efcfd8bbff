// Package dockerd asks the Docker daemon what a Docker container name means:
// the ID under which the container runs in containerd (namespace moby), its
// image and its state. Docker keeps names to itself; containerd's records
// carry neither the name nor the image.
//
// It speaks just enough HTTP/1.0 over dockerd's unix socket (or a plain
// TCP one, DOCKER_HOST=tcp://) for two GETs
// (GET /containers/NAME/json and GET /containers/json?all=1), so that nsj
// links no HTTP client, whose initialisation every run would pay.
package dockerd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nsj-dev/nsj/internal/base/ident"
	"io"
	"io/fs"
	"net"
	"strconv"
	"strings"
)

// DefaultSocket is where dockerd listens unless DOCKER_HOST says otherwise.
const DefaultSocket = "/var/run/docker.sock"

// Namespace is the containerd namespace of Docker's containers.
const Namespace = "moby"

// ErrNoSuchContainer: dockerd knows no container of that name or ID.
var ErrNoSuchContainer = errors.New("no such Docker container")

// maxBody bounds what nsj reads of an answer (a list of every container).
const maxBody = 32 << 20

// Container is what nsj reads of a Docker container.
type Container struct {
	ID    string // the containerd container ID in namespace moby
	Name  string // without Docker's leading '/'
	Image string // as the user named it, e.g. "nginx:1.27"
	State string // Docker's: created, running, paused, restarting, exited, dead
}

// Find returns the client of the node's dockerd: the one DOCKER_HOST names
// when it is set (unix://PATH, or tcp://HOST[:PORT] in plain HTTP), else
// the one at DefaultSocket. It returns nil and no error when DOCKER_HOST
// is unset and DefaultSocket is no socket (no Docker here), and an error
// saying why when DOCKER_HOST names a dockerd nsj cannot ask.
func Find(getenv func(string) string, stat func(string) (fs.FileInfo, error)) (*Client, error) {
	host := getenv("DOCKER_HOST")
	if host == "" {
		if st, err := stat(DefaultSocket); err != nil || st.Mode().Type() != fs.ModeSocket {
			return nil, nil
		}
		return New(DefaultSocket), nil
	}
	scheme, rest, _ := strings.Cut(host, "://")
	switch scheme {
	case "unix":
		st, err := stat(rest)
		if err != nil {
			return nil, fmt.Errorf("DOCKER_HOST=%s: %w", host, err)
		}
		if st.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("DOCKER_HOST=%s: not a unix socket", host)
		}
		return New(rest), nil
	case "tcp":
		if getenv("DOCKER_TLS_VERIFY") != "" {
			return nil, fmt.Errorf("DOCKER_HOST=%s with DOCKER_TLS_VERIFY: nsj asks dockerd in plain HTTP, not TLS (point DOCKER_HOST at its unix socket)", host)
		}
		addr := strings.TrimSuffix(rest, "/")
		if _, _, err := net.SplitHostPort(addr); err != nil {
			addr = net.JoinHostPort(addr, "2375") // Docker's plain-HTTP port
		}
		return &Client{network: "tcp", addr: addr, where: "tcp://" + addr}, nil
	}
	return nil, fmt.Errorf("DOCKER_HOST=%s: nsj asks dockerd at unix:// or tcp:// (plain HTTP) only", host)
}

// Client asks one dockerd; each call is one connection.
type Client struct {
	network, addr string // for net.Dial: "unix" and a path, or "tcp" and HOST:PORT
	where         string // for messages
}

// New returns a client of the dockerd listening at socket path.
func New(path string) *Client { return &Client{network: "unix", addr: path, where: path} }

// Where is the dockerd the client asks: its socket path, or tcp://HOST:PORT.
func (c *Client) Where() string { return c.where }

// Inspect asks dockerd about the container named (or with the ID or unique
// ID prefix) name. An unknown name is ErrNoSuchContainer.
func (c *Client) Inspect(ctx context.Context, name string) (Container, error) {
	if !ident.Valid(name) { // nothing else goes into the request path
		return Container{}, fmt.Errorf("%q: %w", name, ErrNoSuchContainer)
	}
	var v struct {
		ID     string `json:"Id"`
		Name   string
		State  struct{ Status string }
		Config struct{ Image string }
	}
	if err := c.get(ctx, "/containers/"+name+"/json", &v); err != nil {
		return Container{}, fmt.Errorf("docker container %q: %w", name, err)
	}
	return Container{ID: v.ID, Name: strings.TrimPrefix(v.Name, "/"), Image: v.Config.Image, State: v.State.Status}, nil
}

// List returns every container dockerd knows, running or not.
func (c *Client) List(ctx context.Context) ([]Container, error) {
	var v []struct {
		ID    string `json:"Id"`
		Names []string
		Image string
		State string
	}
	if err := c.get(ctx, "/containers/json?all=1", &v); err != nil {
		return nil, fmt.Errorf("list Docker containers: %w", err)
	}
	out := make([]Container, 0, len(v))
	for _, e := range v {
		ctr := Container{ID: e.ID, Image: e.Image, State: e.State}
		if len(e.Names) > 0 {
			ctr.Name = strings.TrimPrefix(e.Names[0], "/")
		}
		out = append(out, ctr)
	}
	return out, nil
}

// get sends GET path and decodes the JSON answer into v. 404 is
// ErrNoSuchContainer; other failures say what dockerd answered.
func (c *Client) get(ctx context.Context, path string, v any) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, c.network, c.addr)
	if err != nil {
		return fmt.Errorf("ask dockerd at %s: %w", c.where, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	// HTTP/1.0: dockerd answers with the whole body and closes.
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.0\r\nHost: docker\r\nUser-Agent: nsj\r\n\r\n", path); err != nil {
		return fmt.Errorf("ask dockerd at %s: %w", c.where, err)
	}
	status, body, err := readResponse(bufio.NewReader(conn))
	if err != nil {
		return fmt.Errorf("read dockerd's answer from %s: %w", c.where, err)
	}
	switch {
	case status == 404:
		return ErrNoSuchContainer
	case status != 200:
		return fmt.Errorf("dockerd at %s answered %d: %s", c.where, status, apiMessage(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode dockerd's answer from %s: %w", c.where, err)
	}
	return nil
}

// readResponse reads an HTTP/1.x response without chunked encoding: the
// status code and the body (up to Content-Length, else to EOF).
func readResponse(r *bufio.Reader) (int, []byte, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, nil, err
	}
	proto, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	code, _, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if !strings.HasPrefix(proto, "HTTP/1.") || err != nil {
		return 0, nil, fmt.Errorf("not an HTTP answer: %q", strings.TrimSpace(line))
	}
	length := int64(-1)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, nil, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		key, value, _ := strings.Cut(line, ":")
		switch strings.ToLower(key) {
		case "content-length":
			if length, err = strconv.ParseInt(strings.TrimSpace(value), 10, 64); err != nil || length < 0 || length > maxBody {
				return 0, nil, fmt.Errorf("bad Content-Length %q", value)
			}
		case "transfer-encoding":
			return 0, nil, fmt.Errorf("unexpected Transfer-Encoding %q in an HTTP/1.0 answer", value)
		}
	}
	lr := io.LimitReader(r, maxBody+1)
	if length >= 0 {
		lr = io.LimitReader(r, length)
	}
	body, err := io.ReadAll(lr)
	if err != nil {
		return 0, nil, err
	}
	if int64(len(body)) > maxBody || (length >= 0 && int64(len(body)) != length) {
		return 0, nil, fmt.Errorf("answer of %d bytes is cut or too long", len(body))
	}
	return status, body, nil
}

// apiMessage is the "message" of a Docker API error body, else the body.
func apiMessage(body []byte) string {
	var e struct{ Message string }
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return e.Message
	}
	return strings.TrimSpace(string(body))
}
