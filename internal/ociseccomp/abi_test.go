package ociseccomp

import (
	"runtime"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Issue 19, case 5: a deny-list profile (default allow) must deny on every
// ABI it lists, as libseccomp's filter does, and kill a call through an ABI
// it does not list. nsj's filter of 77500b6 compiled the native ABI only
// and gave every other one the default action: i386's mkdir was allowed.
func TestDenyListDeniesOnEveryABI(t *testing.T) {
	requireAMD64(t)
	kill := uint32(unix.SECCOMP_RET_KILL_THREAD)
	eacces := uint(unix.EACCES)
	rules := []specs.LinuxSyscall{
		{Names: []string{"mkdir", "rt_sigaction"}, Action: specs.ActErrno},
		{Names: []string{"personality"}, Action: specs.ActErrno, ErrnoRet: &eacces,
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1<<32 | 8, Op: specs.OpEqualTo}}},
	}
	listed := compile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: rules,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}})
	native := compile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: rules})
	errAcces := unix.SECCOMP_RET_ERRNO | uint32(eacces)
	for _, tt := range []struct {
		name         string
		arch         uint32
		nr           int
		arg          uint64
		listed, only uint32 // with x86, x32 listed; with no architectures
	}{
		{"x86_64 mkdir", auditX86_64, 83, 0, eperm, eperm},
		{"x86_64 getpid", auditX86_64, 39, 0, allow, allow},
		{"i386 mkdir", auditI386, 39, 0, eperm, kill},
		{"i386 getpid", auditI386, 20, 0, allow, kill},
		{"x32 mkdir", auditX86_64, x32Bit | 83, 0, eperm, kill},
		{"x32 getpid", auditX86_64, x32Bit | 39, 0, allow, kill},
		{"x32 rt_sigaction (512 on x32)", auditX86_64, x32Bit | 512, 0, eperm, kill},
		{"x32 13 (x86_64's rt_sigaction, none on x32)", auditX86_64, x32Bit | 13, 0, allow, kill},
		{"x86_64 personality(8): 64-bit compare", auditX86_64, 135, 8, allow, allow},
		{"x86_64 personality(1<<32|8)", auditX86_64, 135, 1<<32 | 8, errAcces, errAcces},
		{"i386 personality(8): the low half compared", auditI386, 136, 8, errAcces, kill},
		{"an architecture not listed (arm)", auditARM, 39, 0, kill, kill},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, listed, tt.arch, tt.nr, tt.arg); got != tt.listed {
				t.Errorf("architectures listed: got %#x, want %#x", got, tt.listed)
			}
			if got := run(t, native, tt.arch, tt.nr, tt.arg); got != tt.only {
				t.Errorf("no architectures: got %#x, want %#x", got, tt.only)
			}
		})
	}
}

// On i386 a denied socket or IPC call is denied through socketcall and
// ipc too; the other calls they multiplex are not.
func TestDenyListCoversI386Multiplexers(t *testing.T) {
	requireAMD64(t)
	prog := compile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"connect", "shmget"}, Action: specs.ActErrno}}})
	const socketcall, ipc, connect = 102, 117, 362
	for _, tt := range []struct {
		name string
		nr   int
		arg  uint64
		want uint32
	}{
		{"connect", connect, 0, eperm},
		{"socketcall(SYS_CONNECT)", socketcall, 3, eperm},
		{"socketcall(SYS_SOCKET)", socketcall, 1, allow},
		{"ipc(SHMGET)", ipc, 23, eperm},
		{"ipc(SHMGET) with a version", ipc, 1<<16 | 23, eperm},
		{"ipc(SHMAT)", ipc, 21, allow},
	} {
		if got := run(t, prog, auditI386, tt.nr, tt.arg); got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

// The generated x32 table has x32's own numbers, and none of x86_64's only.
func TestX32TableHasX32Numbers(t *testing.T) {
	for name, want := range map[string]uint32{"rt_sigaction": x32Bit | 512, "read": x32Bit, "execve": x32Bit | 520, "mkdir": x32Bit | 83} {
		if got, ok := abiX32.number(name); !ok || got != want {
			t.Errorf("x32 %s: %#x, %v; want %#x", name, got, ok, want)
		}
	}
	if _, ok := abiX32.number("uselib"); ok {
		t.Error("x32 has uselib, an x86_64-only call")
	}
}

func compile(t *testing.T, p *specs.LinuxSeccomp) []unix.SockFilter {
	t.Helper()
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

func requireAMD64(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the x86 ABIs' programs; other machines compile theirs")
	}
}
