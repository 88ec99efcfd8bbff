package main

import (
	"fmt"

	"github.com/nsj-dev/nsj/runtime"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// warnRisky warns, before nsj opens anything of the target, when the
// container's spec lets its processes reach the host command that nsj is
// about to run in it (docs/security.md, "Risky targets"). Only --log-level
// error silences the warning.
func warnRisky(name string, spec *specs.Spec) {
	for _, why := range runtime.Risky(spec) {
		logrus.Warn(riskyMessage(name, why))
	}
}

// riskyMessage says what a container can do to the command for one of the
// reasons runtime.Risky gives, and what to do about it.
func riskyMessage(name, why string) string {
	switch why {
	case "has CAP_SYS_PTRACE":
		return fmt.Sprintf("%s has CAP_SYS_PTRACE: its processes can trace the host command nsj runs in it and reach the host's files through it (see docs/security.md); leave the pid namespace out (--ns net,uts,ipc) to keep the command out of their sight", name)
	case "privileged":
		return fmt.Sprintf("%s is privileged: its processes can trace the host command nsj runs in it, and control the host anyway (see docs/security.md); join it only if you trust it", name)
	case "has CAP_SYS_ADMIN":
		return fmt.Sprintf("%s has CAP_SYS_ADMIN: its processes can load tracing programs that see the host command nsj runs in it (see docs/security.md); join it only if you trust it", name)
	}
	return fmt.Sprintf("%s %s: its processes may reach the host command nsj runs in it (see docs/security.md)", name, why)
}
