package ociseccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The program: a dispatch on the audit architecture, then one section per
// ABI (struct seccomp_data: nr at 0, arch at 4, args at 16 + 8*i,
// little-endian halves), as libseccomp lays out its filters:
//
//	ld arch; per architecture: jeq arch ? 0 : +1; ja its section
//	ret KILL                       an architecture the profile does not list
//	x86_64: ld nr; jge 0x40000000 ? 0 : +1; ja x32 (or KILL); its blocks
//	other:  ld nr; its blocks
//	x32:    its blocks (numbers with 0x40000000)
//	ret KILL
//
// A section's blocks, per rule and system call:
//
//	[ld nr]                  after a block whose conditions loaded arguments
//	jeq nr ? 0 : past the block
//	ret action               or, per condition set: its comparisons,
//	                         each failing to the next set; ret action
//	[jgt highest named ? ret ENOSYS]  under a default that denies
//	ret default

const (
	offNr   = 0
	offArch = 4
	offArgs = 16
	x32Bit  = 0x40000000
	maxJump = 255
	maxProg = 4096 // BPF_MAXINSNS

	// badArch: libseccomp's default action for an architecture the
	// filter has no section for (runc keeps it).
	badArch = unix.SECCOMP_RET_KILL_THREAD
)

// assembler writes the blocks of one ABI's section.
type assembler struct {
	prog   []unix.SockFilter
	def    uint32
	wide   bool   // 64-bit arguments
	reload bool   // the accumulator no longer holds the system call number
	maxNr  uint32 // the highest number a rule names
}

func stmt(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }

func jump(code uint16, k uint32, jt, jf int) unix.SockFilter {
	return unix.SockFilter{Code: unix.BPF_JMP | code | unix.BPF_K, K: k, Jt: uint8(jt), Jf: uint8(jf)}
}

func load(off uint32) unix.SockFilter { return stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, off) }
func ret(v uint32) unix.SockFilter    { return stmt(unix.BPF_RET|unix.BPF_K, v) }
func always(k int) unix.SockFilter    { return stmt(unix.BPF_JMP|unix.BPF_JA, uint32(k)) }

func newSection(def uint32, wide bool) *assembler { return &assembler{def: def, wide: wide} }

// block: system call nr, under any of sets (none: always), returns act.
func (a *assembler) block(nr uint32, sets [][]specs.LinuxSeccompArg, act uint32) error {
	var body []unix.SockFilter
	for _, set := range sets {
		body = append(body, conditionSet(set, act, a.wide)...)
	}
	if len(sets) == 0 {
		body = []unix.SockFilter{ret(act)}
	}
	if len(body) > maxJump {
		return fmt.Errorf("%d instructions of argument comparisons, more than a jump spans", len(body))
	}
	if a.reload {
		a.prog = append(a.prog, load(offNr))
	}
	a.prog = append(a.prog, jump(unix.BPF_JEQ, nr, 0, len(body)))
	a.prog = append(a.prog, body...)
	a.reload = len(sets) > 0
	a.maxNr = max(a.maxNr, nr)
	return nil
}

// end: the section, its default action last. As runc does (its ENOSYS
// stub), under a default that denies, a number above every one the rules
// name fails with ENOSYS: a system call newer than the profile, which
// programs then replace with an older one (glibc's clone3 by clone).
func (a *assembler) end() []unix.SockFilter {
	if !allowsAction(a.def) && a.maxNr > 0 {
		if a.reload {
			a.prog = append(a.prog, load(offNr))
		}
		a.prog = append(a.prog, jump(unix.BPF_JGT, a.maxNr, 0, 1), ret(unix.SECCOMP_RET_ERRNO|uint32(unix.ENOSYS)))
	}
	return append(a.prog, ret(a.def))
}

// link lays out the program around the sections, one per ABI of list
// (list[0] native), each starting with the system call number loaded.
func link(list []*abi, sections map[*abi][]unix.SockFilter) ([]unix.SockFilter, error) {
	var entries []*abi // one per audit architecture; x32 comes in through x86_64's
	for _, a := range list {
		if a != abiX32 {
			entries = append(entries, a)
		}
	}
	x32 := sections[abiX32] != nil
	// Sizes first: the header, then each entry's code.
	header := 1 + 2*len(entries) + 1
	code := make([][]unix.SockFilter, len(entries))
	for i, a := range entries {
		code[i] = []unix.SockFilter{load(offNr)}
		if a == abiX86_64 {
			code[i] = append(code[i], jump(unix.BPF_JGE, x32Bit, 0, 1), always(0)) // the ja is set below
		}
		code[i] = append(code[i], sections[a]...)
	}
	starts := make([]int, len(entries))
	pc := header
	for i := range entries {
		starts[i] = pc
		pc += len(code[i])
	}
	x32Start, kill := pc, pc
	if x32 {
		kill += len(sections[abiX32])
	}
	prog := []unix.SockFilter{load(offArch)}
	for i, a := range entries {
		prog = append(prog, jump(unix.BPF_JEQ, a.audit, 0, 1), always(starts[i]-(len(prog)+2)))
	}
	prog = append(prog, ret(badArch))
	for i, a := range entries {
		if a == abiX86_64 {
			target := kill
			if x32 {
				target = x32Start
			}
			code[i][2] = always(target - (starts[i] + 3))
		}
		prog = append(prog, code[i]...)
	}
	if x32 {
		prog = append(prog, sections[abiX32]...)
	}
	prog = append(prog, ret(badArch))
	if len(prog) > maxProg {
		return nil, fmt.Errorf("%d instructions, more than the kernel's %d", len(prog), maxProg)
	}
	return prog, nil
}

// Jump targets inside a condition set, resolved once its length is known.
const (
	next = iota // the following instruction
	pass        // past this comparison: it holds
	fail        // past the set's ret: it does not hold
)

type pending struct {
	in     unix.SockFilter
	jt, jf int // next, pass or fail
}

// conditionSet: every comparison of set, then ret act.
func conditionSet(set []specs.LinuxSeccompArg, act uint32, wide bool) []unix.SockFilter {
	var out []unix.SockFilter
	var ends []int // per comparison: its end, for "pass"
	var code []pending
	for _, c := range set {
		if wide {
			code = append(code, comparison(c)...)
		} else {
			code = append(code, comparison32(c)...)
		}
		ends = append(ends, len(code))
	}
	setEnd := len(code) + 1 // past the ret
	cmp := 0
	for i, p := range code {
		for i >= ends[cmp] {
			cmp++
		}
		target := func(t int) int {
			switch t {
			case pass:
				return ends[cmp] - (i + 1)
			case fail:
				return setEnd - (i + 1)
			}
			return 0
		}
		in := p.in
		in.Jt, in.Jf = uint8(target(p.jt)), uint8(target(p.jf))
		out = append(out, in)
	}
	return append(out, ret(act))
}

// comparison of one argument's 64 bits, a 32-bit half at a time.
func comparison(c specs.LinuxSeccompArg) []pending {
	off := offArgs + 8*uint32(c.Index)
	hi, lo := pending{in: load(off + 4)}, pending{in: load(off)}
	vhi, vlo := uint32(c.Value>>32), uint32(c.Value)
	j := func(code uint16, k uint32, jt, jf int) pending {
		return pending{in: jump(code, k, 0, 0), jt: jt, jf: jf}
	}
	switch c.Op {
	case specs.OpEqualTo:
		return []pending{hi, j(unix.BPF_JEQ, vhi, next, fail), lo, j(unix.BPF_JEQ, vlo, next, fail)}
	case specs.OpNotEqual:
		return []pending{hi, j(unix.BPF_JEQ, vhi, next, pass), lo, j(unix.BPF_JEQ, vlo, fail, next)}
	case specs.OpGreaterThan, specs.OpGreaterEqual:
		last := uint16(unix.BPF_JGT)
		if c.Op == specs.OpGreaterEqual {
			last = unix.BPF_JGE
		}
		return []pending{hi, j(unix.BPF_JGT, vhi, pass, next), j(unix.BPF_JEQ, vhi, next, fail), lo, j(last, vlo, next, fail)}
	case specs.OpLessThan, specs.OpLessEqual:
		// arg < v: not (arg >= v); arg <= v: not (arg > v).
		last := uint16(unix.BPF_JGE)
		if c.Op == specs.OpLessEqual {
			last = unix.BPF_JGT
		}
		return []pending{hi, j(unix.BPF_JGE, vhi, next, pass), j(unix.BPF_JEQ, vhi, next, fail), lo, j(last, vlo, fail, next)}
	}
	// SCMP_CMP_MASKED_EQ: (arg & Value) == ValueTwo.
	mhi, mlo := pending{in: stmt(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, vhi)}, pending{in: stmt(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, vlo)}
	return []pending{hi, mhi, j(unix.BPF_JEQ, uint32(c.ValueTwo>>32), next, fail), lo, mlo, j(unix.BPF_JEQ, uint32(c.ValueTwo), next, fail)}
}

// comparison32: on a 32-bit ABI an argument is 32 bits (the kernel
// zero-extends it); as libseccomp does, only the low half of the profile's
// values counts.
func comparison32(c specs.LinuxSeccompArg) []pending {
	lo := pending{in: load(offArgs + 8*uint32(c.Index))}
	v := uint32(c.Value)
	j := func(code uint16, k uint32, jt, jf int) pending {
		return pending{in: jump(code, k, 0, 0), jt: jt, jf: jf}
	}
	switch c.Op {
	case specs.OpEqualTo:
		return []pending{lo, j(unix.BPF_JEQ, v, next, fail)}
	case specs.OpNotEqual:
		return []pending{lo, j(unix.BPF_JEQ, v, fail, next)}
	case specs.OpGreaterThan:
		return []pending{lo, j(unix.BPF_JGT, v, next, fail)}
	case specs.OpGreaterEqual:
		return []pending{lo, j(unix.BPF_JGE, v, next, fail)}
	case specs.OpLessThan:
		return []pending{lo, j(unix.BPF_JGE, v, fail, next)}
	case specs.OpLessEqual:
		return []pending{lo, j(unix.BPF_JGT, v, fail, next)}
	}
	mask := pending{in: stmt(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, v)}
	return []pending{lo, mask, j(unix.BPF_JEQ, uint32(c.ValueTwo), next, fail)}
}
