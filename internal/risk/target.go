package risk

import (
	"bufio"
	"fmt"
	"os"

	"github.com/nsj-dev/nsj/internal/base/creds"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// FromSpec reads what the rules need from a container's OCI spec: its
// processes' privileges, and its user namespace and uid mappings.
func FromSpec(spec *specs.Spec) (Target, error) {
	c, err := creds.FromSpec(spec)
	if err != nil {
		return Target{}, err
	}
	t := Target{Creds: c}
	masked := spec.Linux != nil && len(spec.Linux.MaskedPaths) > 0
	t.Privileged = c.Bounding.Has(creds.CapSysAdmin) && !masked
	if spec.Linux == nil {
		return t, nil
	}
	for _, ns := range spec.Linux.Namespaces {
		switch ns.Type {
		case specs.UserNamespace:
			t.OwnUserNS = true
		case specs.PIDNamespace:
			t.OwnPidNS = true
		}
	}
	for _, m := range spec.Linux.UIDMappings {
		if m.ContainerID == 0 && m.Size > 0 && m.HostID == 0 {
			t.RootIsHostRoot = true
		}
	}
	return t, nil
}

// OfPID reads what the rules need from a running process: its privileges
// (/proc/PID/status), whether its user namespace is nsj's, and its
// /proc/PID/uid_map. A process whose bounding set holds every capability
// of nsj's own counts as privileged: nsj cannot see a PID's masked paths.
func OfPID(pid int) (Target, error) {
	c, err := creds.OfPID(pid)
	if err != nil {
		return Target{}, err
	}
	self, err := creds.OfPID(os.Getpid())
	if err != nil {
		return Target{}, err
	}
	t := Target{Creds: c, Privileged: c.Bounding&self.Bounding == self.Bounding}
	if t.OwnPidNS, err = notOwn(pid, "pid"); err != nil {
		return Target{}, err
	}
	if t.OwnUserNS, err = notOwn(pid, "user"); err != nil || !t.OwnUserNS {
		return t, err
	}
	t.RootIsHostRoot, err = rootIsHostRoot(fmt.Sprintf("/proc/%d/uid_map", pid))
	return t, err
}

// notOwn reports whether pid's namespace of type typ is not nsj's.
func notOwn(pid int, typ string) (bool, error) {
	var own, its unix.Stat_t
	if err := unix.Stat("/proc/self/ns/"+typ, &own); err != nil {
		return false, fmt.Errorf("stat /proc/self/ns/%s: %w", typ, err)
	}
	path := fmt.Sprintf("/proc/%d/ns/%s", pid, typ)
	if err := unix.Stat(path, &its); err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	return own.Ino != its.Ino || own.Dev != its.Dev, nil
}

// rootIsHostRoot reads a uid_map ("inside outside count" lines) and
// reports whether it maps uid 0 to the host's uid 0.
func rootIsHostRoot(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var in, out, n uint64
		if _, err := fmt.Sscan(sc.Text(), &in, &out, &n); err != nil {
			return false, fmt.Errorf("%s: %q: %w", path, sc.Text(), err)
		}
		if in == 0 && n > 0 && out == 0 {
			return true, nil
		}
	}
	return false, sc.Err()
}
