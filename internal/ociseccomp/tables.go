package ociseccomp

import (
	"runtime"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

//go:generate go run ./gentables

// call is one system call of an ABI's table (ztables.go, sorted by name).
type call struct {
	name string
	nr   uint32
}

// abi is one way into the kernel that a seccomp filter sees: its audit
// architecture (seccomp_data.arch), its table, and how its numbers and
// arguments look to the filter.
type abi struct {
	name  string
	audit uint32
	base  uint32 // added to each number: __X32_SYSCALL_BIT for x32
	wide  bool   // 64-bit arguments; libseccomp compares a 32-bit ABI's (i386, x32, arm) on their low half
	calls []call
}

// Audit architectures (linux/audit.h).
const (
	auditX86_64  = 0xc000003e
	auditI386    = 0x40000003
	auditAARCH64 = 0xc00000b7
	auditARM     = 0x40000028
)

// allABIs is data the linker lays out: no init work on nsj's start-up.
var allABIs = [...]abi{
	{"x86_64", auditX86_64, 0, true, callsX86_64[:]},
	{"x32", auditX86_64, x32Bit, false, callsX32[:]},
	{"i386", auditI386, 0, false, callsI386[:]},
	{"aarch64", auditAARCH64, 0, true, callsAARCH64[:]},
	{"arm", auditARM, 0, false, callsARM[:]},
}

var (
	abiX86_64  = &allABIs[0]
	abiX32     = &allABIs[1]
	abiI386    = &allABIs[2]
	abiAARCH64 = &allABIs[3]
	abiARM     = &allABIs[4]
)

// number of a system call on this ABI, as the filter sees it.
func (a *abi) number(name string) (uint32, bool) {
	i := sort.Search(len(a.calls), func(i int) bool { return a.calls[i].name >= name })
	if i < len(a.calls) && a.calls[i].name == name {
		return a.calls[i].nr + a.base, true
	}
	return 0, false
}

// machine: the native ABI of this build's architecture, and the others its
// kernel may run, by the OCI name a profile lists them under.
func machine(goarch string) (*abi, map[specs.Arch]*abi) {
	switch goarch {
	case "amd64":
		return abiX86_64, map[specs.Arch]*abi{specs.ArchX86_64: abiX86_64, specs.ArchX86: abiI386, specs.ArchX32: abiX32}
	case "arm64":
		return abiAARCH64, map[specs.Arch]*abi{specs.ArchAARCH64: abiAARCH64, specs.ArchARM: abiARM}
	}
	return nil, nil
}

// abis: the ABIs a filter for profile p has rules for, as libseccomp's:
// the native one always (seccomp_init adds it), and each one p lists that
// this machine can run. Architectures of other machines never reach the
// filter here; leaving them out changes nothing.
func abis(p *specs.LinuxSeccomp) ([]*abi, bool) {
	native, runnable := machine(runtime.GOARCH)
	if native == nil {
		return nil, false
	}
	out := []*abi{native}
	for _, name := range p.Architectures {
		if a := runnable[name]; a != nil && !contains(out, a) {
			out = append(out, a)
		}
	}
	return out, true
}

func contains(list []*abi, a *abi) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}
