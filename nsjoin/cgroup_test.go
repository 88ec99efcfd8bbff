package nsjoin

import (
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
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

func TestCgroupMountsAreFoundUnescapedAndFirstWins(t *testing.T) {
	table := `25 1 0:22 / /sys/fs/cgroup/a\040b rw - cgroup cgroup rw,xattr,name=systemd
26 1 0:23 /sub/ /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
27 1 0:23 / /mnt/pids-again rw - cgroup cgroup rw,pids
28 1 0:24 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate
29 1 0:25 / /tmp rw - tmpfs tmpfs rw
`
	mounts, err := mountinfo.GetMountsFromReader(strings.NewReader(table), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]cgroupMount{
		"name=systemd": {dir: "/sys/fs/cgroup/a b", root: ""},
		"pids":         {dir: "/sys/fs/cgroup/pids", root: "/sub"},
		"":             {dir: "/sys/fs/cgroup/unified", root: ""},
	}
	if got := cgroupMountsOf(mounts); !maps.Equal(got, want) {
		t.Errorf("cgroupMountsOf = %v, want %v", got, want)
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
