// Package risk says when the processes of a target can reach the host
// command that nsj runs among them, as docs/security.md (defence 4) sets
// out: nsj warns about such targets before it opens anything of them. The
// rules live here, once, for containerd tasks and pods (judged by their OCI
// spec) and for --target-pid processes (judged by /proc/PID).
package risk

import (
	"github.com/nsj-dev/nsj/internal/base/creds"
)

// Risk is one way a target's processes can reach the command.
type Risk int

const (
	// Privileged: a privileged container in the host's user namespace can
	// trace the command, and controls the host anyway.
	Privileged Risk = iota + 1
	// SysAdmin: CAP_SYS_ADMIN in the host's user namespace loads tracing
	// programs that see the command.
	SysAdmin
	// SysPtrace: CAP_SYS_PTRACE in the host's user namespace traces the
	// command, a host root process, and reaches the host's files through it.
	SysPtrace
	// UserNSPtrace: CAP_SYS_PTRACE in the target's own user namespace,
	// which the command joins (--ns user) as that namespace's root: the
	// target traces it and reaches the host's files through it with the
	// rights the host gives any user (world-readable files, for one).
	UserNSPtrace
	// UserNSPtraceHostRoot: the same, but the command keeps the host's uid
	// 0 in that namespace (--preserve-credentials, or a namespace whose
	// root is the host's root): through it the target writes the host's
	// root-owned files.
	UserNSPtraceHostRoot
)

// Target is what the rules need to know of a target's processes.
type Target struct {
	Creds *creds.Creds // their privileges; capabilities count in any set
	// Privileged: a privileged container (spec: CAP_SYS_ADMIN in the
	// bounding set and no masked paths; process: every capability).
	Privileged bool
	// OwnUserNS: they live in a user namespace other than nsj's, where
	// their capabilities stop.
	OwnUserNS bool
	// RootIsHostRoot: that user namespace maps its uid 0 to the host's.
	RootIsHostRoot bool
	// OwnPidNS: they live in a pid namespace other than nsj's, and see
	// only the processes in it (and in those below it).
	OwnPidNS bool
}

// Join is how nsj is asked to join the target.
type Join struct {
	UserNS    bool // --ns user: the command enters the target's user namespace
	KeepCreds bool // --preserve-credentials: and keeps nsj's uid 0 there
	PidNS     bool // the command enters the target's pid namespace
	// Confined: --fs container without --privileged. The command has the
	// container's own privileges in all of its namespaces, as runc exec's
	// processes do: it holds nothing the target's processes lack.
	Confined bool
	// ContainerFS: --fs container --privileged. In the target's own user
	// namespace, as its root, the command is then no more than the
	// target's root: its files are the container's.
	ContainerFS bool
}

// Of returns how t's processes can reach the command nsj runs in t when it
// joins as j, most serious first; nil when they cannot.
//
// A target in a user namespace of its own holds its capabilities there
// only. Outside it the command is a host root process in the host's user
// namespace: the kernel lets a process trace another of a different uid
// only with CAP_SYS_PTRACE in the target's user namespace, here the host's,
// and tracing programs need the host's CAP_SYS_ADMIN or CAP_BPF. So only
// --ns user, which puts the command's credentials in the target's user
// namespace, brings it within reach, and only of CAP_SYS_PTRACE.
//
// Tracing needs the command in sight: in the target's pid namespace, or
// the target in nsj's. Left outside the target's (--ns without pid, host
// binaries only), the command is out of its reach.
func Of(t Target, j Join) []Risk {
	if t.Creds == nil || j.Confined {
		return nil
	}
	caps := t.Creds.Any()
	seen := j.PidNS || !t.OwnPidNS
	if t.OwnUserNS {
		switch {
		case !j.UserNS || !seen || !caps.Has(creds.CapSysPtrace):
			return nil
		case j.KeepCreds || t.RootIsHostRoot:
			return []Risk{UserNSPtraceHostRoot}
		case j.ContainerFS:
			return nil
		}
		return []Risk{UserNSPtrace}
	}
	var out []Risk
	switch {
	case t.Privileged:
		out = append(out, Privileged)
	case caps.Has(creds.CapSysAdmin):
		out = append(out, SysAdmin)
	}
	if seen && caps.Has(creds.CapSysPtrace) {
		out = append(out, SysPtrace)
	}
	return out
}
