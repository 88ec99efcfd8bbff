package nsjoin

import (
	"os"
	"testing"
)

func TestHierarchyNamesMountsAsProcPIDCgroupDoes(t *testing.T) {
	tests := []struct {
		fstype, opts, want string
		ok                 bool
	}{
		{"cgroup", "rw,cpu,cpuacct", "cpu,cpuacct", true},
		{"cgroup", "rw,xattr,name=systemd", "name=systemd", true},
		{"cgroup", "rw,pids", "pids", true},
		{"cgroup2", "rw,nsdelegate", "", true},
		{"tmpfs", "rw,mode=755", "", false},
	}
	for _, tt := range tests {
		got, ok := hierarchy(tt.fstype, tt.opts)
		if got != tt.want || ok != tt.ok {
			t.Errorf("hierarchy(%q, %q) = %q, %v; want %q, %v", tt.fstype, tt.opts, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	if got := unescape(`/sys/fs/cgroup/a\040b`); got != "/sys/fs/cgroup/a b" {
		t.Errorf("got %q", got)
	}
}

// nsj's own cgroups are never opened: there is nothing to join.
func TestOpenCgroupsOfItselfOpensNothing(t *testing.T) {
	files, _, err := OpenCgroups(1)
	CloseFiles(files)
	if err != nil {
		t.Skipf("cannot read PID 1's cgroups here: %v", err)
	}
	self, _, err := OpenCgroups(os.Getpid())
	if err != nil || len(self) != 0 {
		t.Errorf("OpenCgroups(self) = %d files, %v; want none", len(self), err)
	}
}
