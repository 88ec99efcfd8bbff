package ociseccomp

import (
	"encoding/binary"
	"testing"

	cseccomp "github.com/containerd/containerd/v2/contrib/seccomp"
	"github.com/elastic/go-seccomp-bpf/arch"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// run evaluates the compiled program on one system call, as the kernel
// would (struct seccomp_data: nr, arch, instruction pointer, 6 arguments).
func run(t *testing.T, prog []unix.SockFilter, auditArch uint32, nr int, args ...uint64) uint32 {
	t.Helper()
	raw := make([]bpf.RawInstruction, len(prog))
	for i, in := range prog {
		raw[i] = bpf.RawInstruction{Op: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	insns, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("the program does not disassemble")
	}
	vm, err := bpf.NewVM(insns)
	if err != nil {
		t.Fatalf("the program does not load: %v", err)
	}
	data := binary.NativeEndian.AppendUint32(nil, uint32(nr))
	data = binary.NativeEndian.AppendUint32(data, auditArch)
	data = binary.NativeEndian.AppendUint64(data, 0)
	for i := range 6 {
		var a uint64
		if i < len(args) {
			a = args[i]
		}
		data = binary.NativeEndian.AppendUint64(data, a)
	}
	// The VM reads packets big-endian; the kernel reads seccomp_data in
	// native order: swap each 32-bit word for the VM.
	for i := 0; i+4 <= len(data); i += 4 {
		binary.BigEndian.PutUint32(data[i:], binary.NativeEndian.Uint32(data[i:]))
	}
	out, err := vm.Run(data)
	if err != nil {
		t.Fatalf("running the program: %v", err)
	}
	return uint32(out)
}

func nativeArch(t *testing.T) (*arch.Info, uint32) {
	info, err := arch.GetInfo("")
	if err != nil {
		t.Skipf("no syscall table for this architecture: %v", err)
	}
	return info, uint32(info.ID)
}

const (
	allow = unix.SECCOMP_RET_ALLOW
	eperm = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
)

// containerd's default profile, as `ctr run --seccomp` and the CRI's
// RuntimeDefault give it, without CAP_SYS_ADMIN.
func TestContainerdDefaultProfileDeniesWhatItDenies(t *testing.T) {
	info, native := nativeArch(t)
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN"}}}}
	prog, err := Compile(cseccomp.DefaultProfile(spec))
	if err != nil {
		t.Fatal(err)
	}
	nr := func(name string) int { return info.SyscallNames[name] }
	tests := []struct {
		name string
		nr   int
		args []uint64
		arch uint32
		want uint32
	}{
		{"read", nr("read"), nil, native, allow},
		{"fork-like clone", nr("clone"), []uint64{uint64(unix.SIGCHLD) | unix.CLONE_CHILD_SETTID | unix.CLONE_CHILD_CLEARTID}, native, allow},
		{"clone of a new mount namespace", nr("clone"), []uint64{unix.CLONE_NEWNS}, native, eperm},
		{"clone3", nr("clone3"), nil, native, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"unshare", nr("unshare"), []uint64{unix.CLONE_NEWNS}, native, eperm},
		{"mount", nr("mount"), nil, native, eperm},
		{"personality 0", nr("personality"), []uint64{0}, native, allow},
		{"personality 1", nr("personality"), []uint64{1}, native, eperm},
		{"socket AF_INET", nr("socket"), []uint64{unix.AF_INET}, native, allow},
		{"socket AF_VSOCK", nr("socket"), []uint64{unix.AF_VSOCK}, native, eperm},
		{"a number above every one the profile names (runc: ENOSYS)", 4000, nil, native, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"i386's read (the profile lists x86)", 3, nil, auditI386, allow},
		{"i386's mount", 21, nil, auditI386, eperm},
		{"arm's read on x86_64 (not listed)", 3, nil, auditARM, unix.SECCOMP_RET_KILL_THREAD},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, prog, tt.arch, tt.nr, tt.args...); got != tt.want {
				t.Errorf("got %#x, want %#x", got, tt.want)
			}
		})
	}
}

func TestCompileKeepsTheDefaultErrnoAndDeniesFirst(t *testing.T) {
	info, native := nativeArch(t)
	enosys, eacces := uint(unix.ENOSYS), uint(unix.EACCES)
	p := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno, DefaultErrnoRet: &enosys,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getpid", "no_such_call"}, Action: specs.ActAllow},
			{Names: []string{"getpid"}, Action: specs.ActErrno, ErrnoRet: &eacces, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 7, Op: specs.OpEqualTo}}},
			{Names: []string{"getppid"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 6, ValueTwo: 2, Op: specs.OpMaskedEqual}}},
		},
	}
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, prog, native, info.SyscallNames["getpid"]); got != allow {
		t.Errorf("getpid(0) = %#x, want allow", got)
	}
	if got := run(t, prog, native, info.SyscallNames["getpid"], 7); got != unix.SECCOMP_RET_ERRNO|uint32(eacces) {
		t.Errorf("getpid(7) = %#x, want EACCES: the rule that denies comes first", got)
	}
	if got := run(t, prog, native, info.SyscallNames["getppid"], 3); got != allow {
		t.Errorf("getppid(3) = %#x, want allow: 3&6 == 2", got)
	}
	if got := run(t, prog, native, info.SyscallNames["getppid"], 4); got != unix.SECCOMP_RET_ERRNO|uint32(enosys) {
		t.Errorf("getppid(4) = %#x, want the default: 4&6 != 2", got)
	}
	// After a failed comparison the accumulator holds an argument: a later
	// block must not compare it with its system call number.
	if got := run(t, prog, native, info.SyscallNames["getpid"], uint64(info.SyscallNames["getppid"])); got != allow {
		t.Errorf("getpid(nr of getppid) = %#x, want allow", got)
	}
}

func TestCompileRefusesWhatItCannotDenyFaithfully(t *testing.T) {
	for name, rule := range map[string]specs.LinuxSyscall{
		"unknown name denied": {Names: []string{"no_such_call"}, Action: specs.ActErrno},
		"argument 6":          {Names: []string{"getpid"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}},
		"unknown comparison":  {Names: []string{"getpid"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_BOGUS"}}},
		"unknown action":      {Names: []string{"getpid"}, Action: "SCMP_ACT_BOGUS"},
	} {
		t.Run(name, func(t *testing.T) {
			p := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{rule}}
			if _, err := Compile(p); err == nil {
				t.Error("compiled, want an error")
			}
		})
	}
}

func TestCompileWithoutAProfileIsNoProgram(t *testing.T) {
	if prog, err := Compile(nil); prog != nil || err != nil {
		t.Errorf("Compile(nil) = %v, %v", prog, err)
	}
}

// Every comparison, on 64-bit values whose halves differ, against Go's.
func TestComparisonsMatchTheirMeaning(t *testing.T) {
	info, native := nativeArch(t)
	nr := info.SyscallNames["getpid"]
	values := []uint64{0, 1, 2, 1 << 32, 1<<32 + 1, 1<<32 - 1, 3 << 32, 1<<63 | 5, ^uint64(0)}
	meaning := map[specs.LinuxSeccompOperator]func(arg, v, v2 uint64) bool{
		specs.OpEqualTo:      func(a, v, _ uint64) bool { return a == v },
		specs.OpNotEqual:     func(a, v, _ uint64) bool { return a != v },
		specs.OpLessThan:     func(a, v, _ uint64) bool { return a < v },
		specs.OpLessEqual:    func(a, v, _ uint64) bool { return a <= v },
		specs.OpGreaterThan:  func(a, v, _ uint64) bool { return a > v },
		specs.OpGreaterEqual: func(a, v, _ uint64) bool { return a >= v },
		specs.OpMaskedEqual:  func(a, v, v2 uint64) bool { return a&v == v2 },
	}
	for op, want := range meaning {
		for _, v := range values {
			v2 := v & 0x0000000100000001
			p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
				{Names: []string{"getpid"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 2, Value: v, ValueTwo: v2, Op: op}}},
			}}
			prog, err := Compile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, arg := range values {
				got := run(t, prog, native, nr, 0, 0, arg) == allow
				if got != want(arg, v, v2) {
					t.Errorf("%s value %#x/%#x, arg %#x: allowed %v, want %v", op, v, v2, arg, got, !got)
				}
			}
		}
	}
}
