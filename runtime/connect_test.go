package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/errdefs"
	"github.com/nsj-dev/nsj/runtime/containerd"
)

// TestConnectErrors runs Connect against things that are not a working
// containerd and checks that it fails quickly and says why. It needs no
// containerd and no root.
func TestConnectErrors(t *testing.T) {
	t.Setenv(EnvAddress, "")
	t.Setenv(EnvNamespace, "")
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		address string
		timeout time.Duration
		maxTime time.Duration
		want    string
	}{
		{name: "missing socket", address: filepath.Join(dir, "missing.sock"), maxTime: time.Second,
			want: "missing.sock (from -a/--address) does not exist; is containerd running? Check the path, or pass -a/--address or set CONTAINERD_ADDRESS"},
		{name: "plain file", address: file, maxTime: time.Second,
			want: "file (from -a/--address) is not a unix socket (it is a regular file); point -a/--address or CONTAINERD_ADDRESS at containerd's socket"},
		{name: "directory", address: "unix://" + dir, maxTime: time.Second, want: "is not a unix socket (it is a directory)"},
		{name: "stale socket", address: staleSocket(t, dir), maxTime: time.Second,
			want: "refused the connection; is containerd running?"},
		{name: "hung server", address: hungSocket(t, dir), timeout: time.Second, maxTime: 10 * time.Second,
			want: "did not answer within 1s"},
		{name: "silent server that closes", address: closingSocket(t, dir), timeout: time.Second, maxTime: 10 * time.Second,
			want: "containerd at " + dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			c, err := Connect(context.Background(), Options{Address: tt.address, Timeout: tt.timeout})
			if err == nil {
				// Connect makes no call; the first call meets the socket.
				_, err = c.List(context.Background(), false)
				c.Close()
			}
			took := time.Since(start)
			if err == nil {
				t.Fatal("Connect and List succeeded")
			}
			t.Logf("after %v: %v", took.Round(time.Millisecond), err)
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("error is not ErrUnavailable")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not contain %q", tt.want)
			}
			if took > tt.maxTime {
				t.Errorf("took %v, want at most %v", took, tt.maxTime)
			}
		})
	}
}

// staleSocket is a socket file nobody listens on, as a dead containerd leaves.
func staleSocket(t *testing.T, dir string) string {
	path := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	return path
}

// hungSocket accepts connections and never answers, like a hung daemon.
func hungSocket(t *testing.T, dir string) string {
	return serveSocket(t, filepath.Join(dir, "hung.sock"), func(c net.Conn) {
		t.Cleanup(func() { c.Close() })
	})
}

// closingSocket accepts connections and closes them at once.
func closingSocket(t *testing.T, dir string) string {
	return serveSocket(t, filepath.Join(dir, "closing.sock"), func(c net.Conn) { c.Close() })
}

func serveSocket(t *testing.T, path string, handle func(net.Conn)) string {
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			handle(c)
		}
	}()
	return path
}

func TestCallError(t *testing.T) {
	unavailable := fmt.Errorf("connection error: %w", errdefs.ErrUnavailable) // gRPC's Unavailable, as package containerd returns it
	tests := []struct {
		name    string
		dialErr error
		err     error
		kind    error
		want    string
	}{
		{name: "permission", dialErr: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EACCES)},
			err: unavailable, kind: ErrUnavailable, want: "permission denied connecting to containerd at /c.sock; run nsj as root"},
		{name: "refused", dialErr: syscall.ECONNREFUSED, err: unavailable, kind: ErrUnavailable,
			want: "containerd at /c.sock refused the connection"},
		{name: "gone", dialErr: syscall.ENOENT, err: unavailable, kind: ErrUnavailable, want: "containerd socket /c.sock disappeared"},
		{name: "deadline", err: fmt.Errorf("x: %w", context.DeadlineExceeded), kind: ErrUnavailable,
			want: "containerd at /c.sock did not answer within 5s"},
		{name: "context deadline", err: fmt.Errorf("x: %w", context.DeadlineExceeded), kind: ErrUnavailable,
			want: "containerd at /c.sock did not answer within 5s; is it hung or overloaded?"},
		{name: "unavailable", err: unavailable, kind: ErrUnavailable, want: "cannot talk to containerd at /c.sock: "},
		{name: "other", err: errors.New("boom"), want: "get thing (containerd at /c.sock): boom"},
		{name: "canceled", err: context.Canceled, kind: context.Canceled, want: "get thing: context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The connection's dial failed so, as the call's did.
			conn := containerd.NewConn(func(context.Context) (net.Conn, error) { return nil, tt.dialErr })
			if tt.dialErr != nil {
				conn.Call(context.Background(), "", "/x.X/Y", nil, nil)
			}
			c := &Client{address: "/c.sock", timeout: DefaultTimeout, conn: conn}
			err := c.callError(tt.err, "get thing")
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("%v is not %v", err, tt.kind)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %q, want prefix %q", err, tt.want)
			}
		})
	}
}
