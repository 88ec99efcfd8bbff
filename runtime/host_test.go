package runtime

import (
	"os"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMarkHostShared(t *testing.T) {
	spec := func(ns ...specs.LinuxNamespace) *specs.Spec { return nsSpec(ns...) }
	tests := []struct {
		name        string
		pid         uint32
		proc        string
		spec        *specs.Spec
		wantPrivate []string
	}{
		{name: "task in nsj's own namespaces", pid: uint32(os.Getpid()), proc: "/proc",
			spec: spec(specs.LinuxNamespace{Type: specs.NetworkNamespace}, specs.LinuxNamespace{Type: specs.UTSNamespace})},
		{name: "spec path that is the host's, no task", proc: "/proc",
			spec:        spec(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"}, specs.LinuxNamespace{Type: specs.UTSNamespace}),
			wantPrivate: []string{"uts"}},
		{name: "spec path that cannot be read", proc: "/proc",
			spec:        spec(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/nonexistent/net"}),
			wantPrivate: []string{"net"}},
		{name: "no proc: as the spec says", pid: uint32(os.Getpid()),
			spec:        spec(specs.LinuxNamespace{Type: specs.NetworkNamespace}),
			wantPrivate: []string{"net"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := Target{PID: tt.pid, Namespaces: SpecNamespaces(tt.spec)}
			tg.markHostShared(tt.proc)
			if got := tg.PrivateTypes(); !reflect.DeepEqual(got, tt.wantPrivate) {
				t.Errorf("private %v, want %v", got, tt.wantPrivate)
			}
			for _, n := range tg.Namespaces {
				if n.Private == (n.Sharing == SharedWithHost) {
					t.Errorf("%s: private %v, sharing %q", n.Type, n.Private, n.Sharing)
				}
			}
		})
	}
}
