package plan

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/creds"
	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/internal/ociseccomp"
	"github.com/nsj-dev/nsj/nsjoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// --fs container leaves a host binary among the container's files, where
// whatever it executes is the container's: so the command gets the
// container's privileges, never more, as `runc exec` gives them
// (docs/security.md): its capability sets, no_new_privs, user and groups,
// rlimits and seccomp filter from its OCI spec (for -t PID: from the
// process, which must have no seccomp filter), its cgroups, and the
// target's oom_score_adj (what the container's processes inherit from its
// init; runc exec's process inherits the same from the shim, or gets the
// spec's process.oomScoreAdj, which the init has too).
// --privileged keeps the host's, with a warning, and nsj's oom_score_adj.

// confinement builds the nsjoin.Confinement of one --fs container join.
type confinement struct {
	privileged bool
	name       string      // the target, for messages
	spec       *specs.Spec // nil: -t PID, read the process
	paused     bool        // the task is frozen: so would the command be, in its cgroup
	resume     string      // how to resume it
	built      *nsjoin.Confinement
	cgroups    []*os.File
}

const privilegedRisk = "the command keeps the host's root privileges among the container's files (all capabilities, no seccomp filter, the host's cgroup): whatever it runs from them, such as a program the container planted under a name that is not a busybox applet, runs as unconfined host root; use --privileged only for a container you trust"

// prepare returns what reads the target's privileges while its PID is
// pinned (open); with --privileged, nothing (and a warning). The target's
// user namespace, if it has one, is joined (fsns.go): its capabilities
// hold there.
func (c *confinement) prepare(t *target) pinHook {
	if c.privileged {
		logrus.Warnf("--fs container --privileged: %s", privilegedRisk)
		return nil
	}
	c.name, c.spec = t.name, t.spec
	c.paused, c.resume = t.paused, t.resume
	return c.open
}

// open reads the privileges, rlimits, seccomp profile and oom_score_adj
// and opens the cgroups of the pinned target process p.
func (c *confinement) open(p *nsjoin.Process) error {
	if c.paused {
		return &exit.Error{Code: exit.Failure, Err: fmt.Errorf("%s is paused: --fs container puts the command in its cgroups, where it would be frozen too; resume it first (%s), or keep nsj's cgroup and the host's privileges with --privileged", c.name, c.resume)}
	}
	built, err := c.privileges(p.PID)
	if err != nil {
		return err
	}
	if built.OOMScoreAdj, err = oomScoreAdj(p.PID); err != nil {
		return fmt.Errorf("reading the oom_score_adj of %s: %w", c.name, err)
	}
	files, missing, err := nsjoin.OpenCgroups(p.PID)
	if err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	for _, m := range missing {
		logrus.Warnf("%s is in cgroup %s of hierarchy %q, which nsj cannot see mounted; the command stays in nsj's cgroup there", c.name, m.Path, m.Controllers)
	}
	if err := p.Alive(); err != nil {
		nsjoin.CloseFiles(files)
		return err
	}
	own, err := creds.OfPID(os.Getpid())
	if err != nil {
		nsjoin.CloseFiles(files)
		return fmt.Errorf("reading nsj's own privileges: %w", err)
	}
	built.Creds = within(built.Creds, own)
	c.built, c.cgroups = built, files
	return nil
}

// within keeps of the container's capability sets what nsj has itself: a
// capability nsj lacks (one its own bounding set dropped) it cannot give,
// and the command gets the container's sets without it.
func within(c creds.Creds, own *creds.Creds) creds.Creds {
	c.Bounding &= own.Bounding
	c.Effective &= own.Permitted
	c.Permitted &= own.Permitted
	c.Inheritable &= own.Bounding | own.Inheritable
	c.Ambient &= c.Permitted & c.Inheritable
	return c
}

// privileges come from the spec, or for -t PID from the process.
func (c *confinement) privileges(pid int) (*nsjoin.Confinement, error) {
	if c.spec == nil {
		return pidPrivileges(pid, c.name)
	}
	cr, err := creds.FromSpec(c.spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; --fs container confines the command to the container's privileges, or keeps the host's with --privileged", c.name, err)
	}
	out := &nsjoin.Confinement{Creds: *cr}
	if out.Rlimits, err = specRlimits(c.spec.Process.Rlimits); err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	if c.spec.Linux != nil {
		if out.Seccomp, err = ociseccomp.Compile(c.spec.Linux.Seccomp); err != nil {
			return nil, &exit.Error{Code: exit.Failure, Err: fmt.Errorf("%s: %w; nsj cannot confine the command to it: keep the host's privileges with --privileged (see docs/security.md)", c.name, err)}
		}
	}
	return out, nil
}

// pidPrivileges: a process's seccomp filter cannot be read without
// stopping it (ptrace), so a process that has one is refused. Its ids are
// read as nsj's user namespace sees them, and set in its own (confine_userns.go).
func pidPrivileges(pid int, name string) (*nsjoin.Confinement, error) {
	cr, err := creds.OfPID(pid)
	if err != nil {
		return nil, fmt.Errorf("reading the privileges of %s: %w", name, err)
	}
	if err := intoUserNS(pid, cr); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if cr.Seccomp != 0 {
		return nil, &exit.Error{Code: exit.Failure, Err: fmt.Errorf("%s runs under a seccomp filter, which nsj cannot copy from a process; name its container instead (nsj takes the filter from its OCI spec), or keep the host's privileges with --privileged", name)}
	}
	out := &nsjoin.Confinement{Creds: *cr}
	if out.Rlimits, err = pidRlimits(pid); err != nil {
		return nil, fmt.Errorf("reading the resource limits of %s: %w", name, err)
	}
	return out, nil
}

// oomScoreAdj reads /proc/PID/oom_score_adj, one number from -1000 to 1000.
func oomScoreAdj(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/oom_score_adj", pid))
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || v < -1000 || v > 1000 {
		return 0, fmt.Errorf("/proc/%d/oom_score_adj: %q is not a score from -1000 to 1000", pid, b)
	}
	return v, nil
}

// pidRlimits reads /proc/PID/limits (prlimit(2) on another process needs
// CAP_SYS_RESOURCE, which nsj may lack): a header, then one line per
// resource in resource order, "%-25s %-20s %-20s %-10s".
func pidRlimits(pid int) ([]nsjoin.Rlimit, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) != len(rlimitNames)+1 {
		return nil, fmt.Errorf("%d lines in /proc/%d/limits, want %d", len(lines), pid, len(rlimitNames)+1)
	}
	var out []nsjoin.Rlimit
	for r, line := range lines[1:] {
		f := strings.Fields(line[min(len(line), 26):])
		if len(f) < 2 {
			return nil, fmt.Errorf("/proc/%d/limits: %q", pid, line)
		}
		soft, err1 := parseLimit(f[0])
		hard, err2 := parseLimit(f[1])
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("/proc/%d/limits: %q: %w", pid, line, err)
		}
		out = append(out, nsjoin.Rlimit{Resource: r, Soft: soft, Hard: hard})
	}
	return out, nil
}

func parseLimit(s string) (uint64, error) {
	if s == "unlimited" {
		return unix.RLIM_INFINITY, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// apply puts the confinement, or host privileges on purpose, in the request.
func (c *confinement) apply(req *nsjoin.JoinRequest) error {
	if c.privileged {
		req.HostPrivileges = true
		return nil
	}
	if c.built == nil {
		return errors.New("internal error: the container's privileges were not read")
	}
	c.built.Cgroups = nil
	for _, f := range c.cgroups {
		c.built.Cgroups = append(c.built.Cgroups, nsjoin.CgroupFD{FD: int(f.Fd()), Path: f.Name()})
	}
	req.Confine = c.built
	cr := &c.built.Creds
	logrus.Debugf("--fs container: the command runs as uid %d gid %d, groups %v, effective capabilities %v, no_new_privs %v, %d seccomp instructions, %d cgroups to join, oom_score_adj %d",
		cr.UID, cr.GID, cr.Groups, cr.Effective.Names(), cr.NoNewPrivs, len(c.built.Seccomp), len(c.built.Cgroups), c.built.OOMScoreAdj)
	return nil
}

func (c *confinement) close() {
	nsjoin.CloseFiles(c.cgroups)
}

// rlimitNames are the resources setrlimit(2) knows, by number.
var rlimitNames = []string{
	"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
	"RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
	"RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
}

// specRlimits reads process.rlimits; runc refuses unknown ones as well.
func specRlimits(in []specs.POSIXRlimit) ([]nsjoin.Rlimit, error) {
	var out []nsjoin.Rlimit
	for _, l := range in {
		r := slices.Index(rlimitNames, l.Type)
		if r < 0 || l.Soft > l.Hard || slices.ContainsFunc(out, func(o nsjoin.Rlimit) bool { return o.Resource == r }) {
			return nil, fmt.Errorf("the container's OCI spec: rlimit %s (soft %d, hard %d) is unknown, repeated or soft above hard", l.Type, l.Soft, l.Hard)
		}
		out = append(out, nsjoin.Rlimit{Resource: r, Soft: l.Soft, Hard: l.Hard})
	}
	return out, nil
}
