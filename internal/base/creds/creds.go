// Package creds holds one idea: a process's privileges (capability sets,
// no_new_privs, user and groups), read either from a container's OCI spec
// (process.capabilities, process.noNewPrivileges, process.user) or from a
// running process's /proc/PID/status. nsj confines the commands it leaves
// among a container's files to them, and its risk checks read them.
package creds

import (
	"bufio"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Caps is a capability set, bit N for capability N (CAP_CHOWN is bit 0).
type Caps uint64

// Has reports whether capability c (for example CapSysAdmin) is in the set.
func (s Caps) Has(c int) bool { return c >= 0 && c < 64 && s&(1<<c) != 0 }

// Names lists the set's capabilities by name, in bit order; bits without a
// known name show as "CAP_N".
func (s Caps) Names() []string {
	var out []string
	for v := uint64(s); v != 0; v &= v - 1 {
		out = append(out, Name(bits.TrailingZeros64(v)))
	}
	return out
}

// Creds are one process's privileges.
type Creds struct {
	Bounding, Effective, Permitted, Inheritable, Ambient Caps

	NoNewPrivs bool
	UID, GID   uint32
	Groups     []uint32 // supplementary groups, as setgroups(2) takes them

	// Seccomp is the process's seccomp mode as /proc/PID/status says it:
	// 0 none, 1 strict, 2 filter; from a spec, 2 when it has a profile.
	Seccomp int
}

// Any is the union of the five capability sets.
func (c *Creds) Any() Caps {
	return c.Bounding | c.Effective | c.Permitted | c.Inheritable | c.Ambient
}

// FromSpec reads the privileges a container's processes start with from its
// spec. A spec without a process section has none to give: an error.
// Capability names the kernel does not know are an error too, as for runc.
func FromSpec(spec *specs.Spec) (*Creds, error) {
	if spec == nil || spec.Process == nil {
		return nil, errors.New("the container's OCI spec has no process section")
	}
	p := spec.Process
	c := &Creds{NoNewPrivs: p.NoNewPrivileges, UID: p.User.UID, GID: p.User.GID, Groups: p.User.AdditionalGids}
	if spec.Linux != nil && spec.Linux.Seccomp != nil {
		c.Seccomp = 2
	}
	if p.Capabilities == nil {
		return c, nil
	}
	sets := []struct {
		dst   *Caps
		names []string
	}{
		{&c.Bounding, p.Capabilities.Bounding}, {&c.Effective, p.Capabilities.Effective},
		{&c.Permitted, p.Capabilities.Permitted}, {&c.Inheritable, p.Capabilities.Inheritable},
		{&c.Ambient, p.Capabilities.Ambient},
	}
	for _, s := range sets {
		set, err := Parse(s.names)
		if err != nil {
			return nil, fmt.Errorf("the container's OCI spec: %w", err)
		}
		*s.dst = set
	}
	return c, nil
}

// Parse turns capability names ("CAP_NET_ADMIN", or "NET_ADMIN") into a set.
func Parse(names []string) (Caps, error) {
	var set Caps
	for _, n := range names {
		c, ok := Number(n)
		if !ok {
			return 0, fmt.Errorf("unknown capability %q", n)
		}
		set |= 1 << c
	}
	return set, nil
}

// OfPID reads the privileges of process pid from /proc/PID/status.
func OfPID(pid int) (*Creds, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := parseStatus(bufio.NewScanner(f))
	if err != nil {
		return nil, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	return c, nil
}

// parseStatus reads the lines of a /proc/PID/status file it needs.
func parseStatus(sc *bufio.Scanner) (*Creds, error) {
	c := &Creds{}
	caps := map[string]*Caps{
		"CapInh": &c.Inheritable, "CapPrm": &c.Permitted, "CapEff": &c.Effective,
		"CapBnd": &c.Bounding, "CapAmb": &c.Ambient,
	}
	seen := map[string]bool{}
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		var err error
		switch key {
		case "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb":
			var v uint64
			v, err = strconv.ParseUint(value, 16, 64)
			*caps[key] = Caps(v)
		case "NoNewPrivs":
			c.NoNewPrivs = value == "1"
		case "Seccomp":
			c.Seccomp, err = strconv.Atoi(value)
		case "Uid", "Gid":
			// real, effective, saved, filesystem: the effective one counts.
			f := strings.Fields(value)
			if len(f) < 2 {
				err = errors.New("short line")
				break
			}
			var v uint64
			v, err = strconv.ParseUint(f[1], 10, 32)
			if key == "Uid" {
				c.UID = uint32(v)
			} else {
				c.GID = uint32(v)
			}
		case "Groups":
			for _, g := range strings.Fields(value) {
				var v uint64
				if v, err = strconv.ParseUint(g, 10, 32); err != nil {
					break
				}
				c.Groups = append(c.Groups, uint32(v))
			}
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", key, value, err)
		}
		seen[key] = true
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, k := range []string{"CapEff", "CapBnd", "Uid", "Gid"} {
		if !seen[k] {
			return nil, fmt.Errorf("no %s line", k)
		}
	}
	return c, nil
}
