// Package nstype is nsj's one table of Linux namespace types: for each type
// its /proc/PID/ns name, its OCI runtime-spec name, its CLONE_NEW* flag,
// where it comes in the join order and whether nsj joins it by default.
// Go code reads it here; the constructor reads its C mirror in
// nsjoin/nsjoin.h (nsj_ns_types), which a test in nsjoin compares with it.
package nstype

import (
	"slices"

	"golang.org/x/sys/unix"
)

// Type is one namespace type.
type Type struct {
	Name      string // the /proc/PID/ns file and nsenter's name: "net"
	OCI       string // its type in an OCI runtime spec: "network"
	CloneFlag int    // CLONE_NEWNET, the nstype setns(2) checks
	// Join is its place in the join order. setns(2) into a user namespace
	// drops the host's capabilities, so user comes after every type but mnt
	// (which only --fs container joins, from inside the user namespace).
	Join int
	// Default: joined when the caller names no types. Never user (the
	// command would lose the host's privileges) nor mnt (the command runs
	// the host's binaries in the host's filesystem).
	Default bool
}

// All lists every type nsj knows, in the order nsj shows them (--inspect,
// --list): the same order as the C mirror nsj_ns_types.
var All = []Type{
	{Name: "net", OCI: "network", CloneFlag: unix.CLONE_NEWNET, Join: 0, Default: true},
	{Name: "pid", OCI: "pid", CloneFlag: unix.CLONE_NEWPID, Join: 1, Default: true},
	{Name: "uts", OCI: "uts", CloneFlag: unix.CLONE_NEWUTS, Join: 2, Default: true},
	{Name: "ipc", OCI: "ipc", CloneFlag: unix.CLONE_NEWIPC, Join: 3, Default: true},
	{Name: "cgroup", OCI: "cgroup", CloneFlag: unix.CLONE_NEWCGROUP, Join: 4, Default: true},
	{Name: "time", OCI: "time", CloneFlag: unix.CLONE_NEWTIME, Join: 5, Default: true},
	{Name: "mnt", OCI: "mount", CloneFlag: unix.CLONE_NEWNS, Join: 7},
	{Name: "user", OCI: "user", CloneFlag: unix.CLONE_NEWUSER, Join: 6},
}

// Names lists the names of All, in its order.
func Names() []string {
	out := make([]string, len(All))
	for i, t := range All {
		out[i] = t.Name
	}
	return out
}

// JoinOrder lists the names of the types in join order; with defaults only,
// just the Default ones.
func JoinOrder(defaults bool) []string {
	types := slices.Clone(All)
	slices.SortFunc(types, func(a, b Type) int { return a.Join - b.Join })
	var out []string
	for _, t := range types {
		if t.Default || !defaults {
			out = append(out, t.Name)
		}
	}
	return out
}

// ByName returns the type of a /proc/PID/ns name.
func ByName(name string) (Type, bool) {
	i := slices.IndexFunc(All, func(t Type) bool { return t.Name == name })
	if i < 0 {
		return Type{}, false
	}
	return All[i], true
}

// ByFlag returns the type of a CLONE_NEW* flag.
func ByFlag(flag int) (Type, bool) {
	i := slices.IndexFunc(All, func(t Type) bool { return t.CloneFlag == flag })
	if i < 0 {
		return Type{}, false
	}
	return All[i], true
}

// ByOCI returns the type of an OCI runtime-spec namespace type.
func ByOCI(oci string) (Type, bool) {
	i := slices.IndexFunc(All, func(t Type) bool { return t.OCI == oci })
	if i < 0 {
		return Type{}, false
	}
	return All[i], true
}
