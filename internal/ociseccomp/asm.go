package ociseccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The program, a straight line of blocks (struct seccomp_data: nr at 0,
// arch at 4, args at 16 + 8*i, little-endian halves):
//
//	ld arch; jeq native ? +1 : 0; ret default
//	ld nr; (x86_64) jge 0x40000000 ? 0 : +1; ret ENOSYS     x32 calls
//	per rule and system call:
//	  [ld nr]                  after a block whose conditions loaded arguments
//	  jeq nr ? 0 : past the block
//	  ret action               or, per condition set: its comparisons,
//	                           each failing to the next set; ret action
//	ret default

const (
	offNr   = 0
	offArch = 4
	offArgs = 16
	x32Bit  = 0x40000000
	maxJump = 255
)

type assembler struct {
	prog    []unix.SockFilter
	def     uint32
	reload  bool // the accumulator no longer holds the system call number
	maxProg int
}

func stmt(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }

func jump(code uint16, k uint32, jt, jf int) unix.SockFilter {
	return unix.SockFilter{Code: unix.BPF_JMP | code | unix.BPF_K, K: k, Jt: uint8(jt), Jf: uint8(jf)}
}

func load(off uint32) unix.SockFilter { return stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, off) }
func ret(v uint32) unix.SockFilter    { return stmt(unix.BPF_RET|unix.BPF_K, v) }

func newAssembler(auditArch uint32, x32 bool, def uint32) *assembler {
	a := &assembler{def: def, maxProg: 4096}
	a.prog = append(a.prog, load(offArch), jump(unix.BPF_JEQ, auditArch, 1, 0), ret(def), load(offNr))
	if x32 {
		a.prog = append(a.prog, jump(unix.BPF_JGE, x32Bit, 0, 1), ret(unix.SECCOMP_RET_ERRNO|uint32(unix.ENOSYS)))
	}
	return a
}

// block: system call nr, under any of sets (none: always), returns act.
func (a *assembler) block(nr uint32, sets [][]specs.LinuxSeccompArg, act uint32) error {
	var body []unix.SockFilter
	for _, set := range sets {
		body = append(body, conditionSet(set, act)...)
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
	return nil
}

func (a *assembler) finish() ([]unix.SockFilter, error) {
	a.prog = append(a.prog, ret(a.def))
	if len(a.prog) > a.maxProg {
		return nil, fmt.Errorf("%d instructions, more than the kernel's %d", len(a.prog), a.maxProg)
	}
	return a.prog, nil
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
func conditionSet(set []specs.LinuxSeccompArg, act uint32) []unix.SockFilter {
	var out []unix.SockFilter
	var ends []int // per comparison: its end, for "pass"
	var code []pending
	for _, c := range set {
		code = append(code, comparison(c)...)
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
