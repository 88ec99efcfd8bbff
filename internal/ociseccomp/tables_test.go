package ociseccomp

import (
	"go/build"
	"strings"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
)

// nsj's binary must not link go-seccomp-bpf: its package init builds maps
// on every run (165 KB). The tables are generated from it instead.
func TestTheTablesAreGeneratedNotImported(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.Contains(imp, "go-seccomp-bpf") {
			t.Errorf("ociseccomp imports %s: its init runs on every nsj run", imp)
		}
	}
}

// The generated tables say what the library's say (run go generate after
// updating it); x32's leaves out x86_64's own numbers.
func TestGeneratedTablesMatchTheLibrary(t *testing.T) {
	for _, tt := range []struct {
		ours *abi
		lib  *arch.Info
	}{{abiX86_64, arch.X86_64}, {abiI386, arch.I386}, {abiAARCH64, arch.AARCH64}, {abiARM, arch.ARM}} {
		names := map[string]bool{}
		for nr, name := range tt.lib.SyscallNumbers {
			names[name] = true
			got, ok := tt.ours.number(name)
			if !ok {
				t.Errorf("%s: %s missing", tt.ours.name, name)
			} else if got != uint32(nr) && tt.lib.SyscallNames[name] == nr {
				t.Errorf("%s: %s is %d, the library says %d", tt.ours.name, name, got, nr)
			}
		}
		if len(names) != len(tt.ours.calls) {
			t.Errorf("%s: %d names, the library has %d", tt.ours.name, len(tt.ours.calls), len(names))
		}
	}
}

func TestGeneratedX32TableIsTheLibrarysWithoutX86_64Only(t *testing.T) {
	for _, c := range abiX32.calls {
		if arch.X32.SyscallNumbers[int(c.nr)] != c.name {
			t.Errorf("x32: %s is %d, which the library gives to %q", c.name, c.nr, arch.X32.SyscallNumbers[int(c.nr)])
		}
	}
	if n := len(abiX32.calls); n < 350 {
		t.Errorf("x32: %d calls", n)
	}
}
