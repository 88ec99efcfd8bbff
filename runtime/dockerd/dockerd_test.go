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
	l, err := net.Listen("unix", path)
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
	return path
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

func TestSocket(t *testing.T) {
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
		name, host, defaultAt, want string
	}{
		{"default socket", "", sock, DefaultSocket},
		{"no default socket", "", filepath.Join(dir, "none"), ""},
		{"not a socket", "", file, ""},
		{"DOCKER_HOST unix", "unix://" + sock, "", sock},
		{"DOCKER_HOST tcp", "tcp://127.0.0.1:2375", sock, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "DOCKER_HOST" {
					return tc.host
				}
				return ""
			}
			if got := Socket(getenv, statAs(tc.defaultAt)); got != tc.want {
				t.Fatalf("Socket = %q, want %q", got, tc.want)
			}
		})
	}
}
