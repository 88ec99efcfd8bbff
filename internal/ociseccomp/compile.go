// Package ociseccomp holds one idea: a container's seccomp profile, as its
// OCI spec gives it (linux.seccomp), compiled to the classic BPF program
// that seccomp(2) installs, without libseccomp. nsj installs it on the
// commands it leaves among a container's files (--fs container), so that
// they make no system call the container's own processes cannot.
//
// As libseccomp (runc) does, the rules are compiled for every ABI the
// machine can run that the profile lists in "architectures" (x86_64 with
// i386 and x32, aarch64 with arm), and for the native one always; a system
// call through an ABI the profile does not list kills the thread. The
// system call tables are generated (ztables.go) from
// github.com/elastic/go-seccomp-bpf's; the program is assembled here
// (asm.go). Where the mapping from the OCI profile is not exact, it errs
// on the side of denying:
//
//   - a system call name unknown to an ABI's table is skipped there; a
//     name no table knows is skipped in a rule that allows it or whose
//     action is the default one, and is an error in a rule that denies it;
//   - rules that deny come before rules that allow: a call that matches
//     both is denied;
//   - as runc does, a rule that compares one argument twice matches when
//     any of its comparisons holds, otherwise when all hold; on an ABI
//     libseccomp treats as 32-bit (i386, x32, arm) the low 32 bits of
//     each value are compared;
//   - as runc does, under a default action that denies, a number above
//     the highest one the rules name fails with ENOSYS;
//   - on i386 a rule that denies a socket or System V IPC call denies it
//     through socketcall(2) and ipc(2) too, whatever its conditions (the
//     arguments are in memory there, out of the filter's sight);
//   - SCMP_ACT_NOTIFY, with no listener, is ENOSYS; the profile's flags
//     (log, spec_allow) and listener are ignored.
package ociseccomp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"

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
	list, ok := abis(p)
	if !ok {
		return nil, fmt.Errorf("seccomp profile: nsj has no system call table for %s", runtime.GOARCH)
	}
	def, err := action(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile, default action: %w", err)
	}
	rules := slices.Clone(p.Syscalls)
	slices.SortStableFunc(rules, func(a, b specs.LinuxSyscall) int { return allows(a.Action) - allows(b.Action) })
	for i, r := range rules {
		if err := checkNames(r, list, def); err != nil {
			return nil, fmt.Errorf("seccomp profile, rule %d (%v): %w", i, r.Names, err)
		}
	}
	sections := map[*abi][]unix.SockFilter{}
	for _, a := range list {
		s := newSection(def, a.wide)
		for i, r := range withMultiplexed(a, rules) {
			if err := addRule(s, r, a); err != nil {
				return nil, fmt.Errorf("seccomp profile, rule %d (%v) on %s: %w", i, r.Names, a.name, err)
			}
		}
		sections[a] = s.end()
	}
	prog, err := link(list, sections)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile: %w", err)
	}
	return prog, nil
}

// checkNames: a rule that denies may not name a call no ABI knows, which
// it would leave to a default that allows.
func checkNames(r specs.LinuxSyscall, list []*abi, def uint32) error {
	act, err := action(r.Action, r.ErrnoRet)
	if err != nil || allowsAction(act) || act == def {
		return err
	}
	for _, name := range r.Names {
		known := false
		for _, a := range list {
			_, ok := a.number(name)
			known = known || ok
		}
		if !known {
			return fmt.Errorf("system call %q is unknown to nsj on %s, and the rule denies it", name, list[0].name)
		}
	}
	return nil
}

// addRule adds one rule of the profile to ABI a's section: a block per
// system call it names that a's table knows.
func addRule(s *assembler, r specs.LinuxSyscall, a *abi) error {
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
		nr, ok := a.number(name)
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		if err := s.block(nr, sets, act); err != nil {
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
