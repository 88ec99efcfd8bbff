package plan

import (
	"fmt"

	"github.com/nsj-dev/nsj/internal/risk"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// warnRiskySpec warns, before nsj opens anything of the target, when the
// container's spec lets its processes reach the host command that nsj is
// about to run in it (docs/security.md, "Risky targets"). Only --log-level
// error silences the warning.
func warnRiskySpec(name string, spec *specs.Spec, a *Ask) {
	t, err := risk.FromSpec(spec)
	if err != nil {
		logrus.Warnf("%s: nsj cannot tell whether its processes can reach the host command it runs in it: %v (see docs/security.md)", name, err)
		return
	}
	warnRisky(name, t, a)
}

// warnRiskyPID is warnRiskySpec for a --target-pid process, judged by its
// own privileges and user namespace. A process nsj cannot read is left to
// the join, which says what is wrong with it.
func warnRiskyPID(name string, pid int, a *Ask) {
	t, err := risk.OfPID(pid)
	if err != nil {
		logrus.Debugf("%s: not checked for risks: %v", name, err)
		return
	}
	warnRisky(name, t, a)
}

func warnRisky(name string, t risk.Target, a *Ask) {
	for _, r := range risk.Of(t, risk.Join{UserNS: JoinsUser(a.Types), KeepCreds: a.PreserveCreds}) {
		logrus.Warn(riskyMessage(name, r))
	}
}

// riskyMessage says what a target can do to the command for one risk, and
// what to do about it.
func riskyMessage(name string, r risk.Risk) string {
	switch r {
	case risk.SysPtrace:
		return fmt.Sprintf("%s has CAP_SYS_PTRACE: its processes can trace the host command nsj runs in it and reach the host's files through it (see docs/security.md); leave the pid namespace out (--ns net,uts,ipc) to keep the command out of their sight", name)
	case risk.Privileged:
		return fmt.Sprintf("%s is privileged: its processes can trace the host command nsj runs in it, and control the host anyway (see docs/security.md); join it only if you trust it", name)
	case risk.SysAdmin:
		return fmt.Sprintf("%s has CAP_SYS_ADMIN: its processes can load tracing programs that see the host command nsj runs in it (see docs/security.md); join it only if you trust it", name)
	case risk.UserNSPtrace:
		return fmt.Sprintf("%s has CAP_SYS_PTRACE in its user namespace, which --ns user puts the command in: its processes can trace the command and read or write through it the host's files that any user may (see docs/security.md); leave the pid namespace out (--ns user,net,uts,ipc) to keep the command out of their sight", name)
	case risk.UserNSPtraceHostRoot:
		return fmt.Sprintf("%s has CAP_SYS_PTRACE in its user namespace, where the command stays the host's uid 0 (--preserve-credentials, or a namespace whose root is the host's): its processes can trace the command and write the host's files through it (see docs/security.md); drop --preserve-credentials or leave the pid namespace out", name)
	}
	return fmt.Sprintf("%s: its processes may reach the host command nsj runs in it (risk %d; see docs/security.md)", name, r)
}
