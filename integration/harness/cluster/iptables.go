package cluster

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// kubelet adds iptables chains to the host (KUBE-IPTABLES-HINT, the
// KUBE-KUBELET-CANARY chains it watches to notice a flushed table, and
// such), for IPv4 and IPv6. The bed lists the chains before kubelet starts
// and, after it stops, removes each new KUBE-* chain and the rules that
// jump to it.

var (
	iptablesCommands = []string{"iptables", "ip6tables"}
	iptablesTables   = []string{"filter", "nat", "mangle"}
)

// iptablesChains maps "COMMAND TABLE" to the chains it has; commands that
// are not installed (or tables the kernel lacks) are left out.
func iptablesChains() map[string]map[string]bool {
	all := map[string]map[string]bool{}
	for _, cmd := range iptablesCommands {
		if _, err := exec.LookPath(cmd); err != nil {
			continue
		}
		for _, table := range iptablesTables {
			out, err := exec.Command(cmd, "-w", "-t", table, "-S").Output()
			if err != nil {
				continue
			}
			chains := map[string]bool{}
			for _, l := range strings.Split(string(out), "\n") {
				if f := strings.Fields(l); len(f) >= 2 && (f[0] == "-N" || f[0] == "-P") {
					chains[f[1]] = true
				}
			}
			all[cmd+" "+table] = chains
		}
	}
	return all
}

// removeNewKubeChains removes the KUBE-* chains that are not in before,
// with the rules that jump to them.
func removeNewKubeChains(before map[string]map[string]bool) error {
	var errs []error
	for key, chains := range iptablesChains() {
		cmd, table, _ := strings.Cut(key, " ")
		var added []string
		for ch := range chains {
			if strings.HasPrefix(ch, "KUBE-") && !before[key][ch] {
				added = append(added, ch)
			}
		}
		if len(added) == 0 {
			continue
		}
		out, _ := exec.Command(cmd, "-w", "-t", table, "-S").Output()
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Fields(l); len(f) > 2 && f[0] == "-A" && jumpsTo(f, added) {
				// -S quotes as a shell does (--comment "..."): a shell splits it.
				del := fmt.Sprintf("%s -w -t %s -D %s", cmd, table, strings.TrimPrefix(l, "-A "))
				if out, err := exec.Command("sh", "-c", del).CombinedOutput(); err != nil {
					errs = append(errs, fmt.Errorf("%s: %v: %s", del, err, out))
				}
			}
		}
		for _, ch := range added {
			errs = append(errs, iptables(cmd, table, "-F", ch))
		}
		for _, ch := range added {
			errs = append(errs, iptables(cmd, table, "-X", ch))
		}
	}
	return errors.Join(errs...)
}

func jumpsTo(rule, chains []string) bool {
	for i := 0; i+1 < len(rule); i++ {
		if rule[i] == "-j" || rule[i] == "-g" {
			for _, ch := range chains {
				if rule[i+1] == ch {
					return true
				}
			}
		}
	}
	return false
}

func iptables(cmd, table string, args ...string) error {
	out, err := exec.Command(cmd, append([]string{"-w", "-t", table}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s -t %s %s: %v: %s", cmd, table, strings.Join(args, " "), err, out)
	}
	return nil
}
