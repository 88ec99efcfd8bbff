// Package ociseccomp holds one idea: a container's seccomp profile, as its
// OCI spec gives it (linux.seccomp), compiled to the classic BPF program
// that seccomp(2) installs, without libseccomp. nsj installs it on the
// commands it leaves among a container's files (--fs container), so that
// they make no system call the container's own processes cannot.
//
// The system call tables are github.com/elastic/go-seccomp-bpf's (arch);
// the program is assembled here (asm.go): that library's own assembler
// compares later system call numbers with a clobbered accumulator once an
// argument condition has failed. Where the mapping from the OCI profile
// is not exact, it errs on the side of denying:
//
//   - only the native architecture is compiled; a system call of another
//     ABI (i386 on x86_64) gets the default action, an x32 one ENOSYS;
//   - a system call name unknown to the table is skipped in a rule that
//     allows it or whose action is the default one, and is an error in a
//     rule that denies it;
//   - rules that deny come before rules that allow: a call that matches
//     both is denied;
//   - as runc does, a rule that compares one argument twice matches when
//     any of its comparisons holds, otherwise when all hold;
//   - SCMP_ACT_NOTIFY, with no listener, is ENOSYS; the profile's flags
//     (log, spec_allow) and listener are ignored.
package ociseccomp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/elastic/go-seccomp-bpf/arch"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Compile returns the BPF program for profile p, nil for no profile.
func Compile(p *specs.LinuxSeccomp) ([]unix.SockFilter, error) {
	if p == nil {
		return nil, nil
	}
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		return nil, errors.New("seccomp profile: nsj compiles them on little-endian machines only")
	}
	native, err := arch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("seccomp profile: %w", err)
	}
	def, err := action(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile, default action: %w", err)
	}
	rules := slices.Clone(p.Syscalls)
	slices.SortStableFunc(rules, func(a, b specs.LinuxSyscall) int { return allows(a.Action) - allows(b.Action) })
	a := newAssembler(uint32(native.ID), native.ID == arch.X86_64.ID, def)
	for i, r := range rules {
		if err := addRule(a, r, native, def); err != nil {
			return nil, fmt.Errorf("seccomp profile, rule %d (%v): %w", i, r.Names, err)
		}
	}
	prog, err := a.finish()
	if err != nil {
		return nil, fmt.Errorf("seccomp profile: %w", err)
	}
	return prog, nil
}

// addRule adds one rule of the profile: a block per system call it names.
func addRule(a *assembler, r specs.LinuxSyscall, native *arch.Info, def uint32) error {
	act, err := action(r.Action, r.ErrnoRet)
	if err != nil {
		return err
	}
	sets, err := conditionSets(r.Args)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, name := range r.Names {
		nr, ok := native.SyscallNames[name]
		if !ok {
			// Skipping a name leaves its calls to the default action.
			if !allowsAction(act) && act != def {
				return fmt.Errorf("system call %q is unknown to nsj on %s, and the rule denies it", name, native.Name)
			}
			continue
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		if err := a.block(uint32(nr), sets, act); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// conditionSets: one set (all must hold) per OCI rule, or, as runc does
// when an argument is compared more than once, one set per comparison
// (any). No set: the rule holds for every call.
func conditionSets(args []specs.LinuxSeccompArg) ([][]specs.LinuxSeccompArg, error) {
	indexes := map[uint]bool{}
	for _, c := range args {
		if c.Index > 5 {
			return nil, fmt.Errorf("argument %d: system calls have 6", c.Index)
		}
		if !slices.Contains(ops, c.Op) {
			return nil, fmt.Errorf("unknown comparison %q", c.Op)
		}
		indexes[c.Index] = true
	}
	switch {
	case len(args) == 0:
		return nil, nil
	case len(indexes) == len(args):
		return [][]specs.LinuxSeccompArg{args}, nil
	}
	var sets [][]specs.LinuxSeccompArg
	for _, c := range args {
		sets = append(sets, []specs.LinuxSeccompArg{c})
	}
	return sets, nil
}

var ops = []specs.LinuxSeccompOperator{specs.OpEqualTo, specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual,
	specs.OpGreaterThan, specs.OpGreaterEqual, specs.OpMaskedEqual}

// action maps an OCI action to a seccomp return value, with its errno.
func action(a specs.LinuxSeccompAction, errnoRet *uint) (uint32, error) {
	errno := uint32(unix.EPERM)
	if errnoRet != nil {
		errno = uint32(*errnoRet) & unix.SECCOMP_RET_DATA
	}
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return unix.SECCOMP_RET_KILL_THREAD, nil
	case specs.ActKillProcess:
		return unix.SECCOMP_RET_KILL_PROCESS, nil
	case specs.ActTrap:
		return unix.SECCOMP_RET_TRAP, nil
	case specs.ActErrno:
		return unix.SECCOMP_RET_ERRNO | errno, nil
	case specs.ActTrace:
		return unix.SECCOMP_RET_TRACE | errno, nil
	case specs.ActAllow:
		return unix.SECCOMP_RET_ALLOW, nil
	case specs.ActLog:
		return unix.SECCOMP_RET_LOG, nil
	case specs.ActNotify:
		return unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS), nil
	}
	return 0, fmt.Errorf("unknown action %q", a)
}

// allows orders rules: 0 for those that deny, 1 for those that allow.
func allows(a specs.LinuxSeccompAction) int {
	if a == specs.ActAllow || a == specs.ActLog {
		return 1
	}
	return 0
}

func allowsAction(a uint32) bool { return a == unix.SECCOMP_RET_ALLOW || a == unix.SECCOMP_RET_LOG }
