package runtime

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/runtime/containerd"
)

// cannedSocket answers the first read of each connection on a unix socket
// named name in dir with answer, then closes it.
func cannedSocket(t *testing.T, dir, name, answer string) string {
	return serveSocket(t, filepath.Join(dir, name), func(c net.Conn) {
		c.Read(make([]byte, 4096))
		c.Write([]byte(answer))
		c.Close()
	})
}

func TestHTTPSocketErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, address, want string
	}{
		{name: "Docker by its answer", address: cannedSocket(t, dir, "api.sock", "HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\nServer: Docker/20.10.24 (linux)\r\n\r\n"),
			want: filepath.Join(dir, "api.sock") + " is Docker's API socket (HTTP); nsj talks to containerd"},
		{name: "Docker by its name", address: cannedSocket(t, dir, "docker.sock", "HTTP/1.1 400 Bad Request\r\n\r\n"),
			want: filepath.Join(dir, "docker.sock") + " is Docker's API socket (HTTP)"},
		{name: "another HTTP server", address: cannedSocket(t, dir, "web.sock", "HTTP/1.0 505 HTTP Version Not Supported\r\nServer: nginx\r\n\r\n"),
			want: filepath.Join(dir, "web.sock") + ` speaks HTTP/1.1, not containerd's gRPC (it answered "HTTP/1.0 505 HTTP Version Not Supported")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			c, err := Connect(context.Background(), Options{Address: tt.address})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.List(context.Background(), false)
			c.Close()
			if !errors.Is(err, ErrUnavailable) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v\nwant it to start %s", err, tt.want)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}

// The Docker message names the containerd that holds Docker's namespace,
// wherever dockerd's --containerd put it, or says that none of the
// default sockets does.
func TestWrongProtocolNamesDockersContainerd(t *testing.T) {
	docker := &containerd.HTTP1Answer{Status: "HTTP/1.1 400 Bad Request", Docker: true}
	for _, tc := range []struct{ mobyOn, want string }{
		{DefaultSockets[0], "/var/run/docker.sock is Docker's API socket (HTTP); nsj talks to containerd: -a " + DefaultSockets[0] + ` (it holds Docker's namespace "moby")`},
		{"", "/var/run/docker.sock is Docker's API socket (HTTP); nsj talks to containerd, and no containerd at " +
			strings.Join(DefaultSockets, ", ") + ` holds Docker's namespace "moby": -a the socket dockerd's --containerd names`},
	} {
		if got := wrongProtocol("/var/run/docker.sock", docker, tc.mobyOn); !strings.HasPrefix(got, tc.want) {
			t.Errorf("wrongProtocol(mobyOn %q) = %q\nwant it to start %q", tc.mobyOn, got, tc.want)
		}
	}
}

func TestResolveAddresses(t *testing.T) {
	sock := fs.ModeSocket | 0o660
	tests := []struct {
		name      string
		flag      string
		files     map[string]any
		want      []string
		wantGiven bool
		wantErr   string
	}{
		{name: "every default that exists", files: map[string]any{DefaultSockets[0]: sock, DefaultSockets[3]: sock},
			want: []string{DefaultSockets[0], DefaultSockets[3]}},
		{name: "flag: that one only", flag: "/x.sock", files: map[string]any{"/x.sock": sock, DefaultSockets[0]: sock},
			want: []string{"/x.sock"}, wantGiven: true},
		{name: "a default that is no socket is left out", files: map[string]any{DefaultSockets[0]: fs.FileMode(0o600), DefaultSockets[1]: sock},
			want: []string{DefaultSockets[1]}},
		{name: "the only default is denied", files: map[string]any{DefaultSockets[0]: fs.ErrPermission},
			wantErr: "permission denied reaching " + DefaultSockets[0]},
		{name: "ttrpc socket", flag: "/run/containerd/containerd.sock.ttrpc", files: map[string]any{"/run/containerd/containerd.sock.ttrpc": sock},
			wantErr: "/run/containerd/containerd.sock.ttrpc (from -a/--address) is containerd's ttrpc socket, for its shims; nsj talks to its gRPC API: -a /run/containerd/containerd.sock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, given, err := ResolveAddresses(tt.flag, env(nil), fakeFS(tt.files))
			if tt.wantErr != "" {
				if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || strings.Join(got, " ") != strings.Join(tt.want, " ") || given != tt.wantGiven {
				t.Errorf("got %v %v %v, want %v %v", got, given, err, tt.want, tt.wantGiven)
			}
		})
	}
}
