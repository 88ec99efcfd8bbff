package plan

import "github.com/nsj-dev/nsj/nsjoin"

// $NSJ_ROOT tells the command where the container's files are. It is
// decided here, once, from the finished join request; an NSJ_ROOT the
// caller inherited (from an outer nsj shell, say) never decides it.

// initRoot is where a container's files are from inside its pid
// namespace: its init's root.
const initRoot = "/proc/1/root"

// nsjRoot says what $NSJ_ROOT the command gets for req, and false when nsj
// leaves the variable as the environment has it. In order:
//   - -e NSJ_ROOT (userSet): the user's value;
//   - --root-at DIR: DIR, where the container's root is attached;
//   - --fs container: /, which is the container's root;
//   - a fresh /proc of the container's pid namespace: the root of the
//     container's init, /proc/1/root, or podRoot when its init is not pid 1
//     there (a pod that shares its pid namespace: pid 1 is the pause);
//   - else (the pid namespace is not joined): unchanged.
func nsjRoot(req *nsjoin.JoinRequest, userSet bool, podRoot string) (string, bool) {
	switch {
	case userSet:
		return "", false
	case req.RootAt != "":
		return req.RootAt, true
	case req.ContainerFS:
		return "/", true
	case !req.MountProc:
		return "", false
	case podRoot != "":
		return podRoot, true
	}
	return initRoot, true
}

// setNSJRoot applies nsjRoot to req's environment.
func setNSJRoot(req *nsjoin.JoinRequest, userSet bool, podRoot string) {
	if root, ok := nsjRoot(req, userSet, podRoot); ok {
		req.Env = setEnv(req.Env, "NSJ_ROOT", root, true)
	}
}
