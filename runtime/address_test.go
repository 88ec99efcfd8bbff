package runtime

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeInfo is an os.FileInfo with just a mode.
type fakeInfo struct{ mode fs.FileMode }

func (f fakeInfo) Name() string       { return "x" }
func (f fakeInfo) Size() int64        { return 0 }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return nil }

// fakeFS answers stat calls from a map of path to mode or error.
func fakeFS(files map[string]any) func(string) (os.FileInfo, error) {
	return func(p string) (os.FileInfo, error) {
		switch v := files[p].(type) {
		case fs.FileMode:
			return fakeInfo{v}, nil
		case error:
			return nil, &fs.PathError{Op: "stat", Path: p, Err: v}
		}
		return nil, &fs.PathError{Op: "stat", Path: p, Err: fs.ErrNotExist}
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestResolveAddress(t *testing.T) {
	sock := fs.ModeSocket | 0o660
	tests := []struct {
		name    string
		flag    string
		env     map[string]string
		files   map[string]any
		want    string
		wantErr []string // substrings of the error
	}{
		{name: "flag", flag: "/x.sock", files: map[string]any{"/x.sock": sock}, want: "/x.sock"},
		{name: "flag with scheme", flag: "unix:///x.sock", files: map[string]any{"/x.sock": sock}, want: "/x.sock"},
		{name: "flag beats env", flag: "/x.sock", env: map[string]string{EnvAddress: "/y.sock"},
			files: map[string]any{"/x.sock": sock, "/y.sock": sock}, want: "/x.sock"},
		{name: "env", env: map[string]string{EnvAddress: "/y.sock"}, files: map[string]any{"/y.sock": sock}, want: "/y.sock"},
		{name: "first default", files: map[string]any{DefaultSockets[0]: sock, DefaultSockets[1]: sock}, want: DefaultSockets[0]},
		{name: "k3s default", files: map[string]any{DefaultSockets[1]: sock, DefaultSockets[3]: sock}, want: DefaultSockets[1]},
		{name: "no default", wantErr: []string{"no containerd socket found", DefaultSockets[0], DefaultSockets[3], "-a/--address", EnvAddress}},
		{name: "flag missing", flag: "/x.sock", files: map[string]any{DefaultSockets[0]: sock},
			wantErr: []string{"/x.sock (from -a/--address) does not exist", "CONTAINERD_ADDRESS"}},
		{name: "env missing", env: map[string]string{EnvAddress: "/y.sock"},
			wantErr: []string{"/y.sock (from CONTAINERD_ADDRESS) does not exist"}},
		{name: "regular file", flag: "/etc/passwd", files: map[string]any{"/etc/passwd": fs.FileMode(0o644)},
			wantErr: []string{"/etc/passwd (from -a/--address) is not a unix socket (it is a regular file)"}},
		{name: "directory", flag: "/run", files: map[string]any{"/run": fs.ModeDir | 0o755},
			wantErr: []string{"is not a unix socket (it is a directory)"}},
		{name: "default is a file", files: map[string]any{DefaultSockets[0]: fs.FileMode(0o600)},
			wantErr: []string{DefaultSockets[0] + " (from default location) is not a unix socket"}},
		{name: "permission", flag: "/x.sock", files: map[string]any{"/x.sock": fs.ErrPermission},
			wantErr: []string{"permission denied; run nsj as root"}},
		{name: "other stat error", flag: "/x.sock", files: map[string]any{"/x.sock": errors.New("io error")},
			wantErr: []string{"check containerd socket /x.sock (from -a/--address): stat /x.sock: io error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveAddress(tt.flag, env(tt.env), fakeFS(tt.files))
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %q, want error", got)
			}
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("error %v is not ErrUnavailable", err)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestResolveNamespace(t *testing.T) {
	tests := []struct {
		name         string
		flag         string
		env          map[string]string
		want         string
		wantExplicit bool
	}{
		{name: "default", want: "default"},
		{name: "flag", flag: "k8s.io", want: "k8s.io", wantExplicit: true},
		{name: "env", env: map[string]string{EnvNamespace: "moby"}, want: "moby", wantExplicit: true},
		{name: "flag beats env", flag: "k8s.io", env: map[string]string{EnvNamespace: "moby"}, want: "k8s.io", wantExplicit: true},
		{name: "explicit default", flag: "default", want: "default", wantExplicit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, explicit := ResolveNamespace(tt.flag, env(tt.env))
			if got != tt.want || explicit != tt.wantExplicit {
				t.Errorf("got %q, %v; want %q, %v", got, explicit, tt.want, tt.wantExplicit)
			}
		})
	}
}
