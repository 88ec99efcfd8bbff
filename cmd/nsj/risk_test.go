package main

import (
	"strings"
	"testing"
)

func TestRiskyMessage(t *testing.T) {
	for _, tt := range []struct{ why, want string }{
		{"has CAP_SYS_PTRACE", "task default/web has CAP_SYS_PTRACE: its processes can trace the host command"},
		{"has CAP_SYS_PTRACE", "--ns net,uts,ipc"},
		{"privileged", "task default/web is privileged: its processes can trace"},
		{"has CAP_SYS_ADMIN", "task default/web has CAP_SYS_ADMIN: its processes can load tracing programs"},
		{"has CAP_BPF", "task default/web has CAP_BPF: its processes may reach"},
	} {
		got := riskyMessage("task default/web", tt.why)
		if !strings.Contains(got, tt.want) || !strings.Contains(got, "docs/security.md") || strings.Contains(got, "\n") {
			t.Errorf("riskyMessage(%q) = %q, want one line with %q and docs/security.md", tt.why, got, tt.want)
		}
	}
}
