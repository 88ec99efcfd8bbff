package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/kubeplugin"
	utilexec "k8s.io/client-go/util/exec"
)

func TestReportSaysOnlyWhatThePluginItselfFailedAt(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
		out  string
	}{
		{"success", nil, 0, ""},
		{"the command's status", utilexec.CodeExitError{Err: errors.New("command terminated with exit code 1"), Code: 1}, 1, ""},
		{"nsj's own failure", utilexec.CodeExitError{Err: errors.New("command terminated with exit code 125"), Code: 125}, 125, ""},
		{"the plugin's failure", kubeplugin.Errorf("pod %q not found in namespace %q; see kubectl get pods -n shop", "web", "shop"), kubeplugin.ExitFailure,
			"kubectl-nsj: pod \"web\" not found in namespace \"shop\"; see kubectl get pods -n shop\n"},
		{"a multi-line cause", kubeplugin.Errorf("reading pod shop/web: %w; check", errors.New("a\nb")), kubeplugin.ExitFailure,
			"kubectl-nsj: reading pod shop/web: a b; check\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if code := report(&b, tt.err); code != tt.code || b.String() != tt.out {
				t.Fatalf("exit %d, printed %q; want %d, %q", code, b.String(), tt.code, tt.out)
			}
		})
	}
}
