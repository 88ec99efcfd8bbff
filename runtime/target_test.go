package runtime

import (
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func nsSpec(nss ...specs.LinuxNamespace) *specs.Spec {
	return &specs.Spec{Linux: &specs.Linux{Namespaces: nss}}
}

// private lists the types of nss that are private, with their paths.
func private(nss []Namespace) map[string]string {
	out := map[string]string{}
	for _, n := range nss {
		if n.Private {
			out[n.Type] = n.Path
		}
	}
	return out
}

func TestSpecNamespaces(t *testing.T) {
	containerdDefault := nsSpec(
		specs.LinuxNamespace{Type: specs.PIDNamespace},
		specs.LinuxNamespace{Type: specs.IPCNamespace},
		specs.LinuxNamespace{Type: specs.UTSNamespace},
		specs.LinuxNamespace{Type: specs.MountNamespace},
		specs.LinuxNamespace{Type: specs.NetworkNamespace},
	)
	tests := []struct {
		name string
		spec *specs.Spec
		want map[string]string // private type -> path
	}{
		{name: "nil spec", spec: nil, want: map[string]string{}},
		{name: "no linux section", spec: &specs.Spec{}, want: map[string]string{}},
		{name: "containerd default", spec: containerdDefault,
			want: map[string]string{"pid": "", "ipc": "", "uts": "", "mnt": "", "net": ""}},
		{name: "host network", spec: nsSpec(
			specs.LinuxNamespace{Type: specs.PIDNamespace},
			specs.LinuxNamespace{Type: specs.MountNamespace},
		), want: map[string]string{"pid": "", "mnt": ""}},
		{name: "kubernetes pod member", spec: nsSpec(
			specs.LinuxNamespace{Type: specs.PIDNamespace},
			specs.LinuxNamespace{Type: specs.IPCNamespace, Path: "/proc/4242/ns/ipc"},
			specs.LinuxNamespace{Type: specs.UTSNamespace, Path: "/proc/4242/ns/uts"},
			specs.LinuxNamespace{Type: specs.MountNamespace},
			specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/var/run/netns/cni-1234"},
			specs.LinuxNamespace{Type: specs.CgroupNamespace},
		), want: map[string]string{"pid": "", "ipc": "/proc/4242/ns/ipc", "uts": "/proc/4242/ns/uts",
			"mnt": "", "net": "/var/run/netns/cni-1234", "cgroup": ""}},
		{name: "user and time", spec: nsSpec(
			specs.LinuxNamespace{Type: specs.UserNamespace},
			specs.LinuxNamespace{Type: specs.TimeNamespace},
		), want: map[string]string{"user": "", "time": ""}},
		{name: "unknown type ignored", spec: nsSpec(specs.LinuxNamespace{Type: "bogus"}), want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SpecNamespaces(tt.spec)
			var types []string
			for _, n := range got {
				types = append(types, n.Type)
				if n.Inode != 0 {
					t.Errorf("%s: inode %d, want 0", n.Type, n.Inode)
				}
			}
			if !reflect.DeepEqual(types, SpecTypes) {
				t.Errorf("types %v, want %v", types, SpecTypes)
			}
			if p := private(got); !reflect.DeepEqual(p, tt.want) {
				t.Errorf("private %v, want %v", p, tt.want)
			}
		})
	}
}

func TestPrivateTypes(t *testing.T) {
	tests := []struct {
		name string
		spec *specs.Spec
		want []string
	}{
		{name: "host", spec: nil, want: nil},
		{name: "default", spec: nsSpec(
			specs.LinuxNamespace{Type: specs.MountNamespace},
			specs.LinuxNamespace{Type: specs.IPCNamespace},
			specs.LinuxNamespace{Type: specs.PIDNamespace},
			specs.LinuxNamespace{Type: specs.NetworkNamespace},
			specs.LinuxNamespace{Type: specs.UTSNamespace},
		), want: []string{"net", "pid", "uts", "ipc"}},
		{name: "mnt and user left out", spec: nsSpec(
			specs.LinuxNamespace{Type: specs.MountNamespace},
			specs.LinuxNamespace{Type: specs.UserNamespace},
			specs.LinuxNamespace{Type: specs.CgroupNamespace},
		), want: []string{"cgroup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := Target{Namespaces: SpecNamespaces(tt.spec)}
			if got := tg.PrivateTypes(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInspect(t *testing.T) {
	self := uint32(os.Getpid())
	var own syscall.Stat_t
	if err := syscall.Stat("/proc/self/ns/net", &own); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		pid          uint32
		spec         *specs.Spec
		wantErr      string
		wantMismatch bool
	}{
		{name: "host process", pid: self},
		{name: "path names the same namespace", pid: self,
			spec: nsSpec(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"})},
		{name: "path names another namespace", pid: self,
			spec:         nsSpec(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/uts"}),
			wantMismatch: true},
		{name: "path gone", pid: self,
			spec:    nsSpec(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/var/run/netns/nsj-no-such"}),
			wantErr: "spec path: stat /var/run/netns/nsj-no-such: no such file or directory"},
		{name: "process gone", pid: 0, wantErr: "read net namespace of task \"x\" (pid 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := Target{ID: "x", PID: tt.pid, Namespaces: SpecNamespaces(tt.spec)}
			err := tg.Inspect()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tg.Namespaces {
				if n.PathMismatch != (tt.wantMismatch && n.Type == "net") {
					t.Errorf("%s: PathMismatch %v, want %v", n.Type, n.PathMismatch, tt.wantMismatch)
				}
				if n.Inode == 0 && n.Type != "time" {
					t.Errorf("%s: inode 0", n.Type)
				}
				if n.Type == "net" && n.Inode != own.Ino {
					t.Errorf("net inode %d, want %d", n.Inode, own.Ino)
				}
			}
		})
	}
}
