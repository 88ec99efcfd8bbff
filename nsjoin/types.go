package nsjoin

import "golang.org/x/sys/unix"

// Types are the namespace types by their /proc/PID/ns names, in join order.
var Types = []string{"net", "pid", "uts", "ipc", "cgroup", "time", "user", "mnt"}

// DefaultTypes are joined when the caller names none: never user or mnt.
var DefaultTypes = []string{"net", "pid", "uts", "ipc", "cgroup", "time"}

var cloneFlags = map[string]int{
	"net":    unix.CLONE_NEWNET,
	"pid":    unix.CLONE_NEWPID,
	"uts":    unix.CLONE_NEWUTS,
	"ipc":    unix.CLONE_NEWIPC,
	"cgroup": unix.CLONE_NEWCGROUP,
	"time":   unix.CLONE_NEWTIME,
	"user":   unix.CLONE_NEWUSER,
	"mnt":    unix.CLONE_NEWNS,
}

// CloneFlag returns the CLONE_NEW* flag of a namespace type.
func CloneFlag(typ string) (int, bool) {
	f, ok := cloneFlags[typ]
	return f, ok
}

// TypeOfFlag returns the namespace type of a CLONE_NEW* flag.
func TypeOfFlag(flag int) (string, bool) {
	for t, f := range cloneFlags {
		if f == flag {
			return t, true
		}
	}
	return "", false
}
