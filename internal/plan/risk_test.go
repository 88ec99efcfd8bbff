package plan

import (
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/risk"
	"github.com/nsj-dev/nsj/nsjoin"
)

// Under --fs container --privileged the way out is to drop --privileged.
func TestRiskyMessageUnderFsContainer(t *testing.T) {
	for _, r := range []risk.Risk{risk.SysPtrace, risk.UserNSPtraceHostRoot} {
		if got := riskyMessage("task default/web", r, true); !strings.Contains(got, "drop --privileged") || strings.Contains(got, "with --fs container") {
			t.Errorf("riskyMessage(%d, --fs container) = %q, want the advice to drop --privileged", r, got)
		}
	}
}

// The risks follow how the command joins: pid left out, it is out of a
// tracer's sight; --fs container joins every namespace, confined unless
// --privileged.
func TestJoinOf(t *testing.T) {
	some := nsjoin.Selection{Types: []string{"net", "uts"}, Explicit: true}
	for _, tt := range []struct {
		name string
		ask  Ask
		sel  nsjoin.Selection
		want risk.Join
	}{
		{"default types", Ask{}, nsjoin.Selection{}, risk.Join{PidNS: true}},
		{"--ns net,uts", Ask{Types: some.Types}, some, risk.Join{}},
		{"--ns user,pid", Ask{Types: []string{"user", "pid"}}, nsjoin.Selection{Types: []string{"user", "pid"}}, risk.Join{UserNS: true, PidNS: true}},
		{"--fs container", Ask{FS: FSContainer}, nsjoin.Selection{}, risk.Join{UserNS: true, PidNS: true, Confined: true, ContainerFS: true}},
		{"--fs container --privileged, --ns net,uts", Ask{FS: FSContainer, Privileged: true, Types: some.Types}, some, risk.Join{UserNS: true, PidNS: true, ContainerFS: true}},
	} {
		if got := joinOf(&tt.ask, tt.sel); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestRiskyMessage(t *testing.T) {
	for _, tt := range []struct {
		risk risk.Risk
		want string
	}{
		{risk.SysPtrace, "task default/web has CAP_SYS_PTRACE: its processes can trace the host command"},
		{risk.SysPtrace, "join it only if you trust it, or confine the command to the container's privileges with --fs container"},
		{risk.Privileged, "task default/web is privileged: its processes can trace"},
		{risk.SysAdmin, "task default/web has CAP_SYS_ADMIN: its processes can load tracing programs"},
		{risk.UserNSPtrace, "task default/web has CAP_SYS_PTRACE in its user namespace, which --ns user puts the command in"},
		{risk.UserNSPtrace, "leave user out of --ns"},
		{risk.UserNSPtraceHostRoot, "task default/web has CAP_SYS_PTRACE in its user namespace, where the command stays the host's uid 0"},
		{risk.UserNSPtraceHostRoot, "drop --preserve-credentials"},
		{risk.Risk(99), "task default/web: its processes may reach"},
	} {
		got := riskyMessage("task default/web", tt.risk, false)
		if !strings.Contains(got, tt.want) || !strings.Contains(got, "docs/security.md") || strings.Contains(got, "\n") {
			t.Errorf("riskyMessage(%d) = %q, want one line with %q and docs/security.md", tt.risk, got, tt.want)
		}
		// Never the advice to leave the pid namespace out: under --fs
		// container that is refused, and elsewhere the warning is not given
		// once pid is left out.
		if strings.Contains(got, "pid namespace out") || strings.Contains(got, "net,uts,ipc") {
			t.Errorf("riskyMessage(%d) advises leaving pid out: %q", tt.risk, got)
		}
	}
}
