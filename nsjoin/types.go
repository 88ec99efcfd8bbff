package nsjoin

import "github.com/nsj-dev/nsj/internal/base/nstype"

// Types are the namespace types by their /proc/PID/ns names, in join order
// (the table is internal/base/nstype).
var Types = nstype.JoinOrder(false)

// DefaultTypes are joined when the caller names none: never user or mnt.
var DefaultTypes = nstype.JoinOrder(true)

// CloneFlag returns the CLONE_NEW* flag of a namespace type.
func CloneFlag(typ string) (int, bool) {
	t, ok := nstype.ByName(typ)
	return t.CloneFlag, ok
}

// TypeOfFlag returns the namespace type of a CLONE_NEW* flag.
func TypeOfFlag(flag int) (string, bool) {
	t, ok := nstype.ByFlag(flag)
	return t.Name, ok
}
