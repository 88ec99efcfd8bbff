package plan

import (
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/nsjoin"
)

// --fs container joins every namespace of the target, as `runc exec` does
// (docs/security.md, defence 18). The command has the container's
// credentials there, so the container's root can reach it; left in one of
// the host's namespaces it would act there as the container: among the
// host's processes (pid: it signalled and traced them), on the host's
// network (net: raw sockets), in the host's user namespace. "Every
// namespace" is every one of the target process that is not nsj's own
// (nsjoin skips those), the same for a task, a pod's container or sandbox,
// and a -t PID process: what the process is in is what its container is in.

// containerSelection is what --fs container opens: every type, the mount
// namespace and the user namespace included. Not Explicit: a type the
// kernel lacks (time before Linux 5.6) is skipped, as it is for runc.
func containerSelection() nsjoin.Selection {
	return nsjoin.Selection{Types: slices.Clone(nsjoin.Types)}
}

// checkAllJoined refuses an --ns that leaves out a namespace of the target
// (asked: the target's selection; opened: the namespaces about to be
// joined). Nothing has changed yet: the files are only open.
func checkAllJoined(asked nsjoin.Selection, req *nsjoin.JoinRequest, name string) error {
	if !asked.Explicit {
		return nil
	}
	var left []string
	for _, ns := range req.Namespaces {
		if ns.Type != "mnt" && !slices.Contains(asked.Types, ns.Type) {
			left = append(left, ns.Type)
		}
	}
	if len(left) == 0 {
		return nil
	}
	return exit.Errorf(exit.Failure, "--ns %s leaves out the %s of %s; with --fs container the command has the container's credentials, and in a namespace of the host's it would act there as the container (the host's processes, its network): --fs container joins every namespace of the container, as runc exec does: drop --ns",
		strings.Join(asked.Types, ","), namespaces(left), name)
}

// namespaces names types in a sentence: "pid namespace", "pid and cgroup
// namespaces", "pid, net and cgroup namespaces".
func namespaces(types []string) string {
	if len(types) == 1 {
		return types[0] + " namespace"
	}
	return strings.Join(types[:len(types)-1], ", ") + " and " + types[len(types)-1] + " namespaces"
}
