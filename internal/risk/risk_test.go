package risk

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func spec(masked []string, userns bool, uidMap []specs.LinuxIDMapping, caps ...string) *specs.Spec {
	s := &specs.Spec{
		Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}},
		Linux:   &specs.Linux{MaskedPaths: masked, UIDMappings: uidMap},
	}
	if userns {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	}
	return s
}

// withPidNS gives s a pid namespace of its own.
func withPidNS(s *specs.Spec) *specs.Spec {
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.PIDNamespace})
	return s
}

func TestOfSpec(t *testing.T) {
	masked := []string{"/proc/kcore"}
	mapped := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	hostRoot := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 0, Size: 1}}
	user, keep := Join{UserNS: true}, Join{UserNS: true, KeepCreds: true}
	tests := []struct {
		name string
		spec *specs.Spec
		join Join
		want []Risk
	}{
		{"default caps", spec(masked, false, nil, "CAP_CHOWN", "CAP_NET_RAW"), Join{}, nil},
		{"privileged", spec(nil, false, nil, "CAP_SYS_ADMIN", "CAP_CHOWN"), Join{}, []Risk{Privileged}},
		{"privileged with ptrace", spec(nil, false, nil, "CAP_SYS_ADMIN", "CAP_SYS_PTRACE"), Join{}, []Risk{Privileged, SysPtrace}},
		{"sys_admin, masked", spec(masked, false, nil, "CAP_SYS_ADMIN"), Join{}, []Risk{SysAdmin}},
		{"ptrace", spec(masked, false, nil, "CAP_SYS_PTRACE"), Join{}, []Risk{SysPtrace}},
		{"ptrace, --ns user on a host-namespaced container", spec(masked, false, nil, "CAP_SYS_PTRACE"), user, []Risk{SysPtrace}},
		{"ptrace ambient only", &specs.Spec{Process: &specs.Process{
			Capabilities: &specs.LinuxCapabilities{Ambient: []string{"CAP_SYS_PTRACE"}}}}, Join{}, []Risk{SysPtrace}},
		{"no masked paths but no sys_admin", spec(nil, false, nil, "CAP_CHOWN"), Join{}, nil},
		{"no capabilities section", &specs.Spec{Process: &specs.Process{}}, Join{}, nil},
		// A user namespace of its own: its capabilities stop there.
		{"userns privileged, not joined", spec(nil, true, mapped, "CAP_SYS_ADMIN", "CAP_SYS_PTRACE"), Join{}, nil},
		{"userns ptrace, not joined", spec(masked, true, mapped, "CAP_SYS_PTRACE"), Join{}, nil},
		{"userns sys_admin, joined", spec(masked, true, mapped, "CAP_SYS_ADMIN"), user, nil},
		{"userns ptrace, joined", spec(masked, true, mapped, "CAP_SYS_PTRACE"), user, []Risk{UserNSPtrace}},
		{"userns ptrace, joined keeping credentials", spec(masked, true, mapped, "CAP_SYS_PTRACE"), keep, []Risk{UserNSPtraceHostRoot}},
		{"userns whose root is the host's, ptrace, joined", spec(masked, true, hostRoot, "CAP_SYS_PTRACE"), user, []Risk{UserNSPtraceHostRoot}},
		{"userns default caps, joined keeping credentials", spec(masked, true, mapped, "CAP_CHOWN"), keep, nil},
		// Tracing needs the command in sight: in the target's pid namespace.
		{"own pid namespace, ptrace, pid joined", withPidNS(spec(masked, false, nil, "CAP_SYS_PTRACE")), Join{PidNS: true}, []Risk{SysPtrace}},
		{"own pid namespace, ptrace, pid left out", withPidNS(spec(masked, false, nil, "CAP_SYS_PTRACE")), Join{}, nil},
		{"own pid namespace, privileged, pid left out", withPidNS(spec(nil, false, nil, "CAP_SYS_ADMIN", "CAP_SYS_PTRACE")), Join{}, []Risk{Privileged}},
		{"userns ptrace, joined, pid left out", withPidNS(spec(masked, true, mapped, "CAP_SYS_PTRACE")), user, nil},
		{"userns ptrace, joined with pid", withPidNS(spec(masked, true, mapped, "CAP_SYS_PTRACE")), Join{UserNS: true, PidNS: true}, []Risk{UserNSPtrace}},
		// --fs container: the container's own privileges, nothing to reach.
		{"confined, privileged with ptrace", withPidNS(spec(nil, false, nil, "CAP_SYS_ADMIN", "CAP_SYS_PTRACE")), Join{PidNS: true, UserNS: true, Confined: true}, nil},
		{"--fs container --privileged, userns ptrace", withPidNS(spec(masked, true, mapped, "CAP_SYS_PTRACE")), Join{PidNS: true, UserNS: true, ContainerFS: true}, nil},
		{"--fs container --privileged, userns whose root is the host's", withPidNS(spec(masked, true, hostRoot, "CAP_SYS_PTRACE")), Join{PidNS: true, UserNS: true, ContainerFS: true}, []Risk{UserNSPtraceHostRoot}},
		{"--fs container --privileged, ptrace", withPidNS(spec(masked, false, nil, "CAP_SYS_PTRACE")), Join{PidNS: true, UserNS: true, ContainerFS: true}, []Risk{SysPtrace}},
		{"confined, userns ptrace", withPidNS(spec(masked, true, hostRoot, "CAP_SYS_PTRACE")), Join{PidNS: true, UserNS: true, Confined: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg, err := FromSpec(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := Of(tg, tt.join); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFromSpecRejectsWhatItCannotJudge(t *testing.T) {
	for name, s := range map[string]*specs.Spec{
		"nil":                nil,
		"no process":         {},
		"unknown capability": spec(nil, false, nil, "CAP_NOT_A_THING"),
	} {
		if _, err := FromSpec(s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if got := Of(Target{}, Join{UserNS: true}); got != nil {
		t.Errorf("a target without credentials: %v", got)
	}
}

// nsj's own process shares its user and pid namespaces.
func TestOfPIDOwnProcess(t *testing.T) {
	tg, err := OfPID(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if tg.OwnUserNS || tg.OwnPidNS || tg.RootIsHostRoot || tg.Creds == nil || !tg.Privileged {
		t.Errorf("own process: %+v", tg)
	}
	if _, err := OfPID(1 << 30); err == nil {
		t.Error("no error for a missing process")
	}
}

func TestRootIsHostRoot(t *testing.T) {
	for content, want := range map[string]bool{
		"         0          0 4294967295\n": true,
		"0 0 1\n":                            true,
		"0 100000 65536\n":                   false,
		"1000 0 1\n":                         false,
		"0 100000 1\n1 0 1\n":                false,
		"":                                   false,
	} {
		path := filepath.Join(t.TempDir(), "uid_map")
		os.WriteFile(path, []byte(content), 0o644)
		if got, err := rootIsHostRoot(path); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", content, got, err, want)
		}
	}
	path := filepath.Join(t.TempDir(), "uid_map")
	os.WriteFile(path, []byte("zero 0 1\n"), 0o644)
	if _, err := rootIsHostRoot(path); err == nil {
		t.Error("garbage accepted")
	}
}
