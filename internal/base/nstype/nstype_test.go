package nstype

import (
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestTableNamesEveryTypeOnceWithItsFlagAndOCIName(t *testing.T) {
	want := []Type{
		{"net", string(specs.NetworkNamespace), unix.CLONE_NEWNET, 0, true},
		{"pid", string(specs.PIDNamespace), unix.CLONE_NEWPID, 1, true},
		{"uts", string(specs.UTSNamespace), unix.CLONE_NEWUTS, 2, true},
		{"ipc", string(specs.IPCNamespace), unix.CLONE_NEWIPC, 3, true},
		{"cgroup", string(specs.CgroupNamespace), unix.CLONE_NEWCGROUP, 4, true},
		{"time", string(specs.TimeNamespace), unix.CLONE_NEWTIME, 5, true},
		{"mnt", string(specs.MountNamespace), unix.CLONE_NEWNS, 7, false},
		{"user", string(specs.UserNamespace), unix.CLONE_NEWUSER, 6, false},
	}
	if !slices.Equal(All, want) {
		t.Fatalf("All = %v\nwant %v", All, want)
	}
	for _, typ := range All {
		if got, ok := ByName(typ.Name); !ok || got != typ {
			t.Errorf("ByName(%q) = %v, %v", typ.Name, got, ok)
		}
		if got, ok := ByFlag(typ.CloneFlag); !ok || got != typ {
			t.Errorf("ByFlag(%#x) = %v, %v", typ.CloneFlag, got, ok)
		}
		if got, ok := ByOCI(typ.OCI); !ok || got != typ {
			t.Errorf("ByOCI(%q) = %v, %v", typ.OCI, got, ok)
		}
	}
}

func TestLookupsRejectUnknowns(t *testing.T) {
	for _, name := range []string{"", "network", "mount", "NET", "pid_for_children"} {
		if typ, ok := ByName(name); ok {
			t.Errorf("ByName(%q) = %v, true", name, typ)
		}
	}
	for _, flag := range []int{0, unix.CLONE_VM, unix.CLONE_NEWNET | unix.CLONE_NEWPID} {
		if typ, ok := ByFlag(flag); ok {
			t.Errorf("ByFlag(%#x) = %v, true", flag, typ)
		}
	}
	for _, oci := range []string{"", "net", "mnt"} {
		if typ, ok := ByOCI(oci); ok {
			t.Errorf("ByOCI(%q) = %v, true", oci, typ)
		}
	}
}

// user is joined after every type but mnt; the defaults keep the join
// order and leave out user and mnt.
func TestJoinOrder(t *testing.T) {
	if got, want := JoinOrder(false), []string{"net", "pid", "uts", "ipc", "cgroup", "time", "user", "mnt"}; !slices.Equal(got, want) {
		t.Errorf("JoinOrder(false) = %v, want %v", got, want)
	}
	if got, want := JoinOrder(true), []string{"net", "pid", "uts", "ipc", "cgroup", "time"}; !slices.Equal(got, want) {
		t.Errorf("JoinOrder(true) = %v, want %v", got, want)
	}
	if got, want := Names(), []string{"net", "pid", "uts", "ipc", "cgroup", "time", "mnt", "user"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}
