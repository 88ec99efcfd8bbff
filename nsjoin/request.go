package nsjoin

import (
	"encoding/binary"
	"fmt"
	"math"
)

// NamespaceFD is an open namespace file handed to the constructor.
type NamespaceFD struct {
	Type string // "net", "pid", ...
	FD   int
}

// JoinRequest is everything the constructor needs to join and run a command.
type JoinRequest struct {
	Namespaces []NamespaceFD
	Path       string   // the executable, as execve(2) takes it
	Args       []string // argv, Args[0] included
	Env        []string // the command's whole environment, KEY=VALUE
	Dir        string   // "" keeps the caller's working directory
	MountProc  bool     // a fresh /proc for the joined pid namespace
	MountSysfs bool     // a fresh /sys for the joined network namespace
	Debug      bool     // the constructor writes each step to stderr

	// RootNS and RootAt (--root-at): the tree of mount namespace RootNS (an
	// open /proc/PID/ns/mnt) is attached at directory RootAt of nsj's
	// private view, which the constructor creates if missing and removes.
	RootNS int
	RootAt string
	// ContainerFS and ExecFD (--fs container), always together: the mount
	// namespace (a Namespaces entry "mnt") is joined, nothing is mounted,
	// and the child runs the open host binary ExecFD with execveat(2). Path
	// then only names it in messages, and Dir is a path in the container.
	ContainerFS bool
	ExecFD      int
	// KeepCreds (--preserve-credentials): in the joined user namespace
	// (a Namespaces entry "user", which it requires) the command keeps
	// nsj's uid, gid and groups instead of becoming the namespace's root.
	KeepCreds bool
	// Confine (--fs container) gives the command the container's privileges
	// (confine.c); HostPrivileges (--fs container --privileged) keeps the
	// host's on purpose. ContainerFS needs exactly one of them.
	Confine        *Confinement
	HostPrivileges bool
	// signalGroup: the join forwards signals to the process group it
	// leads (Spawner.Start sets it).
	signalGroup bool
}

// Encode returns r's wire form, once the constructor's own decoder
// (request.c, run here through cgo) has accepted it: the rules of a valid
// request live there only. Encode itself refuses only what the format
// cannot carry (see encodable).
func (r *JoinRequest) Encode() ([]byte, error) {
	if err := r.encodable(); err != nil {
		return nil, err
	}
	b := make([]byte, headerLen, 256)
	copy(b, magic)
	for _, ns := range r.Namespaces {
		flag, _ := CloneFlag(ns.Type)
		payload := binary.NativeEndian.AppendUint32(nil, uint32(ns.FD))
		b = appendRecord(b, kindNS, binary.NativeEndian.AppendUint32(payload, uint32(flag)))
	}
	b = r.appendFS(b)
	b = r.appendConfine(b)
	b = appendRecord(b, kindPath, []byte(r.Path))
	for _, a := range r.Args {
		b = appendRecord(b, kindArg, []byte(a))
	}
	for _, e := range r.Env {
		b = appendRecord(b, kindEnv, []byte(e))
	}
	if r.Dir != "" {
		b = appendRecord(b, kindDir, []byte(r.Dir))
	}
	b = appendRecord(b, kindFlags, binary.NativeEndian.AppendUint32(nil, r.flags()))
	if len(b) > maxRequest {
		return nil, fmt.Errorf("the command and environment take %d bytes, more than %d", len(b), maxRequest)
	}
	binary.NativeEndian.PutUint32(b[4:], uint32(len(b)))
	if err := checkInC(b); err != nil {
		return nil, fmt.Errorf("invalid join request: %w", err)
	}
	return b, nil
}

// encodable refuses what the wire format cannot carry: a namespace type
// without a CLONE_NEW* flag, and an fd or rlimit resource that does not fit
// its u32 field (it would wrap around to another number).
func (r *JoinRequest) encodable() error {
	nums := []int{r.RootNS, r.ExecFD}
	for _, ns := range r.Namespaces {
		if _, ok := CloneFlag(ns.Type); !ok {
			return fmt.Errorf("namespace type %q cannot be joined", ns.Type)
		}
		nums = append(nums, ns.FD)
	}
	if c := r.Confine; c != nil {
		for _, cg := range c.Cgroups {
			nums = append(nums, cg.FD)
		}
		for _, l := range c.Rlimits {
			nums = append(nums, l.Resource)
		}
	}
	for _, n := range nums {
		if n < 0 || n > math.MaxUint32 {
			return fmt.Errorf("%d does not fit a join request's 32-bit field", n)
		}
	}
	return nil
}

func appendRecord(b []byte, kind uint16, payload []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, kind)
	b = binary.NativeEndian.AppendUint16(b, 0)
	b = binary.NativeEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

func (r *JoinRequest) flags() uint32 {
	var f uint32
	if r.MountProc {
		f |= flagMountProc
	}
	if r.MountSysfs {
		f |= flagMountSysfs
	}
	if r.Debug {
		f |= flagDebug
	}
	if r.ContainerFS {
		f |= flagContainerFS
	}
	if r.KeepCreds {
		f |= flagKeepCreds
	}
	if r.HostPrivileges {
		f |= flagHostPrivileges
	}
	if r.signalGroup {
		f |= flagSignalGroup
	}
	return f
}
