package plan

import (
	"fmt"
	"slices"

	"github.com/nsj-dev/nsj/internal/risk"
	"github.com/nsj-dev/nsj/nsjoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// warnRiskySpec warns, before nsj opens anything of the target, when the
// container's spec lets its processes reach the host command that nsj is
// about to run in it (docs/security.md, "Risky targets"), joined as sel
// says. Only --log-level error silences the warning.
func warnRiskySpec(name string, spec *specs.Spec, a *Ask, sel nsjoin.Selection) {
	t, err := risk.FromSpec(spec)
	if err != nil {
		logrus.Warnf("%s: nsj cannot tell whether its processes can reach the host command it runs in it: %v (see docs/security.md)", name, err)
		return
	}
	warnRisky(name, t, a, sel)
}

// warnRiskyPID is warnRiskySpec for a --target-pid process, judged by its
// own privileges and namespaces. A process nsj cannot read is left to the
// join, which says what is wrong with it.
func warnRiskyPID(name string, pid int, a *Ask, sel nsjoin.Selection) {
	t, err := risk.OfPID(pid)
	if err != nil {
		logrus.Debugf("%s: not checked for risks: %v", name, err)
		return
	}
	warnRisky(name, t, a, sel)
}

func warnRisky(name string, t risk.Target, a *Ask, sel nsjoin.Selection) {
	container := a.FS == FSContainer
	for _, r := range risk.Of(t, joinOf(a, sel)) {
		logrus.Warn(riskyMessage(name, r, container))
	}
}

// joinOf is how the command enters the target: --fs container joins every
// namespace it has (fsns.go), confined unless --privileged; otherwise sel
// says (nil types: the defaults, pid among them).
func joinOf(a *Ask, sel nsjoin.Selection) risk.Join {
	if a.FS == FSContainer {
		return risk.Join{UserNS: true, PidNS: true, KeepCreds: a.PreserveCreds, Confined: !a.Privileged, ContainerFS: true}
	}
	return risk.Join{UserNS: JoinsUser(a.Types), KeepCreds: a.PreserveCreds,
		PidNS: sel.Types == nil || slices.Contains(sel.Types, "pid")}
}

// riskyMessage says what a target can do to the command for one risk, and
// what to do about it; container: --fs container --privileged (confined,
// there is no risk to warn of).
func riskyMessage(name string, r risk.Risk, container bool) string {
	unconfine := "join it only if you trust it, or confine the command to the container's privileges with --fs container (static binaries)"
	if container {
		unconfine = "drop --privileged: confined to the container's privileges, the command holds nothing they lack"
	}
	switch r {
	case risk.SysPtrace:
		return fmt.Sprintf("%s has CAP_SYS_PTRACE: its processes can trace the host command nsj runs in its pid namespace and reach the host's files through it (see docs/security.md); %s", name, unconfine)
	case risk.Privileged:
		return fmt.Sprintf("%s is privileged: its processes can trace the host command nsj runs in it, and control the host anyway (see docs/security.md); join it only if you trust it", name)
	case risk.SysAdmin:
		return fmt.Sprintf("%s has CAP_SYS_ADMIN: its processes can load tracing programs that see the host command nsj runs in it (see docs/security.md); join it only if you trust it", name)
	case risk.UserNSPtrace:
		return fmt.Sprintf("%s has CAP_SYS_PTRACE in its user namespace, which --ns user puts the command in: its processes can trace the command and read or write through it the host's files that any user may (see docs/security.md); leave user out of --ns to keep the command in the host's user namespace, out of their reach", name)
	case risk.UserNSPtraceHostRoot:
		return fmt.Sprintf("%s has CAP_SYS_PTRACE in its user namespace, where the command stays the host's uid 0 (--preserve-credentials, or a namespace whose root is the host's): its processes can trace the command and write the host's files through it (see docs/security.md); drop --preserve-credentials, or %s", name, unconfine)
	}
	return fmt.Sprintf("%s: its processes may reach the host command nsj runs in it (risk %d; see docs/security.md)", name, r)
}
