package ociseccomp

import (
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// On i386 the socket calls can also be made through socketcall(2) and the
// System V IPC calls through ipc(2), with the call's number in the first
// argument (ipc's low 16 bits; the high ones carry a version) and the
// rest in memory, where a filter cannot see it. A rule that denies such a
// call would leave that door open: withMultiplexed adds, for each, a rule
// with the same action on socketcall or ipc with that first argument.
// (Arrays, not maps: no init work on nsj's start-up.)
var (
	socketcalls = [...]demux{{"socket", 1}, {"bind", 2}, {"connect", 3}, {"listen", 4}, {"accept", 5},
		{"getsockname", 6}, {"getpeername", 7}, {"socketpair", 8}, {"send", 9}, {"recv", 10}, {"sendto", 11},
		{"recvfrom", 12}, {"shutdown", 13}, {"setsockopt", 14}, {"getsockopt", 15}, {"sendmsg", 16},
		{"recvmsg", 17}, {"accept4", 18}, {"recvmmsg", 19}, {"sendmmsg", 20}}
	ipcCalls = [...]demux{{"semop", 1}, {"semget", 2}, {"semctl", 3}, {"semtimedop", 4}, {"msgsnd", 11},
		{"msgrcv", 12}, {"msgget", 13}, {"msgctl", 14}, {"shmat", 21}, {"shmdt", 22}, {"shmget", 23}, {"shmctl", 24}}
)

// demux: a call multiplexed through socketcall or ipc, and its number there.
type demux struct {
	name string
	n    uint64
}

func lookup(table []demux, name string) (uint64, bool) {
	for _, d := range table {
		if d.name == name {
			return d.n, true
		}
	}
	return 0, false
}

// withMultiplexed: rules, with i386's socketcall and ipc rules added after
// the rules that deny (rules come sorted, denying first).
func withMultiplexed(a *abi, rules []specs.LinuxSyscall) []specs.LinuxSyscall {
	if a != abiI386 {
		return rules
	}
	var extra []specs.LinuxSyscall
	denying := 0
	for _, r := range rules {
		if allows(r.Action) == 1 {
			break
		}
		denying++
		for _, name := range r.Names {
			if n, ok := lookup(socketcalls[:], name); ok {
				extra = append(extra, specs.LinuxSyscall{Names: []string{"socketcall"}, Action: r.Action, ErrnoRet: r.ErrnoRet,
					Args: []specs.LinuxSeccompArg{{Index: 0, Value: n, Op: specs.OpEqualTo}}})
			}
			if n, ok := lookup(ipcCalls[:], name); ok {
				extra = append(extra, specs.LinuxSyscall{Names: []string{"ipc"}, Action: r.Action, ErrnoRet: r.ErrnoRet,
					Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0xffff, ValueTwo: n, Op: specs.OpMaskedEqual}}})
			}
		}
	}
	return slices.Concat(rules[:denying], extra, rules[denying:])
}
