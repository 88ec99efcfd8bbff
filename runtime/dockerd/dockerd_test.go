package dockerd

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeDockerd answers each connection with the reply for its request path.
func fakeDockerd(t *testing.T, replies map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "d.sock")
	serveFake(t, "unix", path, replies)
	return path
}

// serveFake is fakeDockerd listening on any network; it returns the
// address it listens on.
func serveFake(t *testing.T, network, addr string, replies map[string]string) string {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(conn)
			line, _ := r.ReadString('\n')
			fields := strings.Fields(line)
			for l, _ := r.ReadString('\n'); strings.TrimSpace(l) != ""; l, _ = r.ReadString('\n') {
			}
			reply, ok := replies[fields[1]]
			if !ok {
				reply = "HTTP/1.0 404 Not Found\r\n\r\n{\"message\":\"No such container\"}"
			}
			conn.Write([]byte(reply))
			conn.Close()
		}
	}()
	return l.Addr().String()
}

func TestInspectAndList(t *testing.T) {
	sock := fakeDockerd(t, map[string]string{
		"/containers/web/json": "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" +
			`{"Id":"4567d6","Name":"/web","State":{"Status":"paused"},"Config":{"Image":"busybox:1"}}`,
		"/containers/json?all=1": "HTTP/1.1 200 OK\r\nContent-Length: 75\r\n\r\n" +
			`[{"Id":"4567d6","Names":["/web"],"Image":"busybox:1","State":"running"}]   `,
		"/containers/bad/json": "HTTP/1.0 500 Internal Server Error\r\n\r\n{\"message\":\"boom\"}",
	})
	c := New(sock)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := c.Inspect(ctx, "web")
	if err != nil || got != (Container{ID: "4567d6", Name: "web", Image: "busybox:1", State: "paused"}) {
		t.Fatalf("Inspect(web) = %+v, %v", got, err)
	}
	if _, err := c.Inspect(ctx, "api"); !errors.Is(err, ErrNoSuchContainer) {
		t.Fatalf("Inspect(api) error %v, want ErrNoSuchContainer", err)
	}
	if _, err := c.Inspect(ctx, "../x"); !errors.Is(err, ErrNoSuchContainer) {
		t.Fatalf("Inspect(../x) error %v, want ErrNoSuchContainer without asking", err)
	}
	if _, err := c.Inspect(ctx, "bad"); err == nil || !strings.Contains(err.Error(), "answered 500: boom") {
		t.Fatalf("Inspect(bad) error %v", err)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "web" || list[0].State != "running" {
		t.Fatalf("List = %+v, %v", list, err)
	}
}

func TestReadResponseRejectsWhatItCannotRead(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not HTTP", "SSH-2.0-OpenSSH\r\n", "not an HTTP answer"},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding"},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", "cut"},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readResponse(bufio.NewReader(strings.NewReader(tc.in)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	statAs := func(path string) func(string) (fs.FileInfo, error) {
		return func(p string) (fs.FileInfo, error) {
			if p == DefaultSocket {
				p = path
			}
			return os.Stat(p)
		}
	}
	for _, tc := range []struct {
		name, host, tls, defaultAt string
		want                       string // Where(), or "" for no client
		wantErr                    string
	}{
		{name: "default socket", defaultAt: sock, want: DefaultSocket},
		{name: "no default socket", defaultAt: filepath.Join(dir, "none")},
		{name: "not a socket", defaultAt: file},
		{name: "DOCKER_HOST unix", host: "unix://" + sock, want: sock},
		{name: "DOCKER_HOST unix, nothing there", host: "unix://" + dir + "/none", defaultAt: sock,
			wantErr: "DOCKER_HOST=unix://" + dir + "/none: stat"},
		{name: "DOCKER_HOST unix, a file", host: "unix://" + file, wantErr: "not a unix socket"},
		{name: "DOCKER_HOST tcp", host: "tcp://127.0.0.1:2375", defaultAt: sock, want: "tcp://127.0.0.1:2375"},
		{name: "DOCKER_HOST tcp, no port", host: "tcp://docker.example", want: "tcp://docker.example:2375"},
		{name: "DOCKER_HOST tcp with TLS", host: "tcp://127.0.0.1:2376", tls: "1",
			wantErr: "DOCKER_HOST=tcp://127.0.0.1:2376 with DOCKER_TLS_VERIFY: nsj asks dockerd in plain HTTP, not TLS"},
		{name: "DOCKER_HOST ssh", host: "ssh://me@box", defaultAt: sock,
			wantErr: "DOCKER_HOST=ssh://me@box: nsj asks dockerd at unix:// or tcp:// (plain HTTP) only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"DOCKER_HOST": tc.host, "DOCKER_TLS_VERIFY": tc.tls}
			c, err := Find(func(k string) string { return env[k] }, statAs(tc.defaultAt))
			if tc.wantErr != "" {
				if c != nil || err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Find = %v, %v; want no client and an error with %q", c, err, tc.wantErr)
				}
				return
			}
			got := ""
			if c != nil {
				got = c.Where()
			}
			if err != nil || got != tc.want {
				t.Fatalf("Find = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// A dockerd listening on plain TCP (DOCKER_HOST=tcp://) is asked as the
// one on the unix socket.
func TestInspectOverTCP(t *testing.T) {
	addr := serveFake(t, "tcp", "127.0.0.1:0", map[string]string{
		"/containers/web/json": "HTTP/1.0 200 OK\r\n\r\n" +
			`{"Id":"4567d6","Name":"/web","State":{"Status":"running"},"Config":{"Image":"busybox:1"}}`,
	})
	c, err := Find(func(k string) string {
		if k == "DOCKER_HOST" {
			return "tcp://" + addr
		}
		return ""
	}, os.Stat)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := c.Inspect(ctx, "web")
	if err != nil || got.ID != "4567d6" || got.Name != "web" {
		t.Fatalf("Inspect(web) over tcp = %+v, %v", got, err)
	}
}
