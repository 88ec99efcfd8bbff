package plan

import (
	"os"
	"reflect"
	"testing"

	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
)

func TestSandboxSelection(t *testing.T) {
	tests := []struct {
		name      string
		pod       runtime.Pod
		asked     nsjoin.Selection
		wantTypes []string
		wantFiles map[string]string
	}{
		{name: "own pid namespaces", pod: runtime.Pod{NetNSPath: "/run/netns/cni-1"},
			wantTypes: []string{"net", "ipc", "uts"}, wantFiles: map[string]string{"net": "/run/netns/cni-1"}},
		{name: "shared pid namespace", pod: runtime.Pod{NetNSPath: "/run/netns/cni-1", SharedPID: true},
			wantTypes: []string{"net", "ipc", "uts", "pid"}, wantFiles: map[string]string{"net": "/run/netns/cni-1"}},
		{name: "host network", pod: runtime.Pod{HostNetwork: true}, wantTypes: []string{"ipc", "uts"}},
		{name: "--ns", pod: runtime.Pod{NetNSPath: "/run/netns/cni-1"}, asked: nsjoin.Selection{Types: []string{"pid"}, Explicit: true},
			wantTypes: []string{"pid"}},
		{name: "--ns net on the host network", pod: runtime.Pod{HostNetwork: true},
			asked: nsjoin.Selection{Types: []string{"net", "uts"}, Explicit: true}, wantTypes: []string{"uts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, files := sandboxSelection(&runtime.PodTarget{Pod: &tt.pod}, tt.asked)
			if !reflect.DeepEqual(sel.Types, tt.wantTypes) || sel.Explicit != tt.asked.Explicit || !reflect.DeepEqual(files, tt.wantFiles) {
				t.Errorf("got %+v, files %v; want %v, %v", sel, files, tt.wantTypes, tt.wantFiles)
			}
		})
	}
}

func TestContainerRoot(t *testing.T) {
	// The test runs in the pid namespace it was started in: NSpid has one field.
	if got := containerRoot(uint32(os.Getpid())); got != "" {
		t.Errorf("containerRoot(own pid) = %q, want \"\" (no pid namespace below the host's)", got)
	}
	if got := containerRoot(1 << 30); got != "" {
		t.Errorf("containerRoot(no such pid) = %q, want \"\"", got)
	}
}
