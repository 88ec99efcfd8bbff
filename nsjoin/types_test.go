package nsjoin

import (
	"slices"
	"testing"

	"github.com/nsj-dev/nsj/internal/base/nstype"
	"golang.org/x/sys/unix"
)

func TestCloneFlagAndTypeOfFlagAreInverses(t *testing.T) {
	want := map[string]int{
		"net": unix.CLONE_NEWNET, "pid": unix.CLONE_NEWPID, "uts": unix.CLONE_NEWUTS,
		"ipc": unix.CLONE_NEWIPC, "cgroup": unix.CLONE_NEWCGROUP, "time": unix.CLONE_NEWTIME,
		"user": unix.CLONE_NEWUSER, "mnt": unix.CLONE_NEWNS,
	}
	if len(Types) != len(want) {
		t.Errorf("Types = %v, want the %d types %v", Types, len(want), want)
	}
	seen := map[int]string{}
	for _, typ := range Types {
		flag, ok := CloneFlag(typ)
		if !ok || flag != want[typ] {
			t.Errorf("CloneFlag(%q) = %#x, %v; want %#x, true", typ, flag, ok, want[typ])
		}
		if other, dup := seen[flag]; dup {
			t.Errorf("%q and %q share flag %#x", typ, other, flag)
		}
		seen[flag] = typ
		back, ok := TypeOfFlag(flag)
		if !ok || back != typ {
			t.Errorf("TypeOfFlag(CloneFlag(%q)) = %q, %v", typ, back, ok)
		}
	}
}

func TestCloneFlagAndTypeOfFlagRejectUnknowns(t *testing.T) {
	for _, typ := range []string{"", "network", "mount", "NET", "pid_for_children", "time_for_children"} {
		if f, ok := CloneFlag(typ); ok {
			t.Errorf("CloneFlag(%q) = %#x, true; want false", typ, f)
		}
	}
	for _, flag := range []int{0, 1, unix.CLONE_VM, unix.CLONE_NEWNET | unix.CLONE_NEWPID, -1} {
		if typ, ok := TypeOfFlag(flag); ok {
			t.Errorf("TypeOfFlag(%#x) = %q, true; want false", flag, typ)
		}
	}
}

func TestDefaultTypesExcludeUserAndMnt(t *testing.T) {
	for _, typ := range []string{"user", "mnt"} {
		if slices.Contains(DefaultTypes, typ) {
			t.Errorf("DefaultTypes %v contains %q", DefaultTypes, typ)
		}
	}
	// Every other type is a default, and defaults keep the join order of Types.
	var want []string
	for _, typ := range Types {
		if typ != "user" && typ != "mnt" {
			want = append(want, typ)
		}
	}
	if !slices.Equal(DefaultTypes, want) {
		t.Errorf("DefaultTypes = %v, want %v", DefaultTypes, want)
	}
}

// setns(2) into the user namespace drops the host's capabilities, so it has
// to come after every other type in Types, the join order.
func TestTypesJoinUserLast(t *testing.T) {
	i := slices.Index(Types, "user")
	for _, typ := range Types[i+1:] {
		if typ != "mnt" {
			t.Errorf("Types %v joins %q after user", Types, typ)
		}
	}
}

// The constructor's table (nsjoin.h, nstype.c) mirrors internal/base/nstype's:
// the same types, names, flags and order.
func TestCNamespaceTableMatchesGo(t *testing.T) {
	names, flags := cNamespaceTypes()
	if len(names) != len(nstype.All) {
		t.Fatalf("C table has %d types %v, Go's has %d", len(names), names, len(nstype.All))
	}
	for i, typ := range nstype.All {
		if names[i] != typ.Name || flags[i] != typ.CloneFlag {
			t.Errorf("C table entry %d is %q %#x, Go's is %q %#x", i, names[i], flags[i], typ.Name, typ.CloneFlag)
		}
		if got := cNamespaceName(typ.CloneFlag); got != typ.Name {
			t.Errorf("nsj_ns_name(%#x) = %q, want %q", typ.CloneFlag, got, typ.Name)
		}
	}
	if got := cNamespaceName(unix.CLONE_VM); got != "unknown" {
		t.Errorf("nsj_ns_name(CLONE_VM) = %q, want unknown", got)
	}
}

// flagOf is the CLONE_NEW* flag of a known type, as a request record holds it.
func flagOf(typ string) uint32 {
	f, _ := CloneFlag(typ)
	return uint32(f)
}
