package plan

import (
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/risk"
)

func TestRiskyMessage(t *testing.T) {
	for _, tt := range []struct {
		risk risk.Risk
		want string
	}{
		{risk.SysPtrace, "task default/web has CAP_SYS_PTRACE: its processes can trace the host command"},
		{risk.SysPtrace, "--ns net,uts,ipc"},
		{risk.Privileged, "task default/web is privileged: its processes can trace"},
		{risk.SysAdmin, "task default/web has CAP_SYS_ADMIN: its processes can load tracing programs"},
		{risk.UserNSPtrace, "task default/web has CAP_SYS_PTRACE in its user namespace, which --ns user puts the command in"},
		{risk.UserNSPtrace, "--ns user,net,uts,ipc"},
		{risk.UserNSPtraceHostRoot, "task default/web has CAP_SYS_PTRACE in its user namespace, where the command stays the host's uid 0"},
		{risk.UserNSPtraceHostRoot, "drop --preserve-credentials"},
		{risk.Risk(99), "task default/web: its processes may reach"},
	} {
		got := riskyMessage("task default/web", tt.risk)
		if !strings.Contains(got, tt.want) || !strings.Contains(got, "docs/security.md") || strings.Contains(got, "\n") {
			t.Errorf("riskyMessage(%d) = %q, want one line with %q and docs/security.md", tt.risk, got, tt.want)
		}
	}
}
