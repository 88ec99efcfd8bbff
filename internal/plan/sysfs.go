package plan

import (
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/nsjoin"
)

// checkSysfs refuses --sysfs when the join leaves the network namespace
// out: a sysfs shows the devices of the mounter's network namespace, the
// kernel refuses to mount a fresh one for the host's (EBUSY), and the
// host's /sys already shows the host's devices. It says why net is not
// joined: --ns leaves it out, or the target shares the host's.
func checkSysfs(a *Ask, t *target, nss []*nsjoin.Namespace) error {
	if !a.Sysfs || slices.ContainsFunc(nss, func(n *nsjoin.Namespace) bool { return n.Type == "net" }) {
		return nil
	}
	if t.sel.Explicit && !slices.Contains(t.sel.Types, "net") {
		return exit.Errorf(exit.Failure, "--sysfs mounts /sys for the joined network namespace, and --ns %s leaves net out: add net to --ns, or drop --sysfs",
			strings.Join(t.sel.Types, ","))
	}
	return exit.Errorf(exit.Failure, "--sysfs: %s shares the host's network namespace, whose devices the host's /sys already shows: drop --sysfs", t.name)
}
