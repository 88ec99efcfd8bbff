package plan

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A --fs container command's environment: the container's process.env,
// then -e, then nsj's TERM; nothing else of nsj's.
func TestContainerEnvIsTheContainersWithEAndTerm(t *testing.T) {
	t.Setenv("TERM", "xterm-operator")
	t.Setenv("OPERATOR_AWS_SECRET_ACCESS_KEY", "operator-secret")
	t.Setenv("HOME", "/root")
	spec := &specs.Spec{Process: &specs.Process{Env: []string{"PATH=/usr/bin:/bin", "APP_MODE=prod", "HOME=/app", "APP_MODE=staging"}}}
	for _, tt := range []struct {
		name string
		spec *specs.Spec
		sets []string
		want []string
	}{
		{"the spec's, last entry wins", spec, nil, []string{"PATH=/usr/bin:/bin", "HOME=/app", "APP_MODE=staging", "TERM=xterm-operator"}},
		{"-e overrides and adds", spec, []string{"APP_MODE=debug", "EXTRA=1"}, []string{"PATH=/usr/bin:/bin", "HOME=/app", "APP_MODE=debug", "EXTRA=1", "TERM=xterm-operator"}},
		{"-e KEY copies nsj's value", spec, []string{"HOME", "OPERATOR_AWS_SECRET_ACCESS_KEY"}, []string{"PATH=/usr/bin:/bin", "APP_MODE=staging", "HOME=/root", "OPERATOR_AWS_SECRET_ACCESS_KEY=operator-secret", "TERM=xterm-operator"}},
		{"-e TERM wins", spec, []string{"TERM=dumb"}, []string{"PATH=/usr/bin:/bin", "HOME=/app", "APP_MODE=staging", "TERM=dumb"}},
		{"-t PID: -e and TERM only", nil, []string{"X=1"}, []string{"X=1", "TERM=xterm-operator"}},
		{"no process section", &specs.Spec{}, nil, []string{"TERM=xterm-operator"}},
	} {
		got, err := containerEnv(tt.spec, tt.sets)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	t.Setenv("TERM", "")
	if got, _ := containerEnv(nil, nil); !slices.Equal(got, []string{"TERM="}) {
		t.Errorf("an empty TERM is passed as it is: %q", got)
	}
}

func TestContainerEnvRefusesWhatRuncRefuses(t *testing.T) {
	for _, bad := range []string{"NOEQUALS", "=value", "A=b\x00c"} {
		_, err := containerEnv(&specs.Spec{Process: &specs.Process{Env: []string{bad}}}, nil)
		if err == nil || !strings.Contains(err.Error(), "is not KEY=VALUE") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestIDMapInside(t *testing.T) {
	m := idMap{{0, 200000, 65536}, {70000, 1000, 1}}
	for _, tt := range []struct {
		id, want uint32
		ok       bool
	}{
		{200000, 0, true}, {201234, 1234, true}, {265535, 65535, true}, {1000, 70000, true},
		{265536, 265536, false}, {0, 0, false}, {199999, 199999, false},
	} {
		if got, ok := m.inside(tt.id, true); got != tt.want || ok != tt.ok {
			t.Errorf("inside(%d) = %d, %v; want %d, %v", tt.id, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := m.inside(200000, false); ok {
		t.Error("inside turned a false ok true")
	}
}
