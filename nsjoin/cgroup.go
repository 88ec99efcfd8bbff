package nsjoin

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// The container's cgroups, for --fs container: the Go side opens their
// cgroup.procs files before anything is joined; the constructor moves itself
// into each (confine.c), so that the command lives under the container's
// limits.

// Cgroup is one of a process's cgroups, as /proc/PID/cgroup lists it.
type Cgroup struct {
	Controllers string // "pids", "cpu,cpuacct", "name=systemd"; "" on cgroup v2
	Path        string // in nsj's cgroup namespace
}

// OpenCgroups opens for writing the cgroup.procs file of every cgroup of
// process pid that nsj is not in itself. A hierarchy nsj has not mounted
// cannot be joined: it is returned in missing.
func OpenCgroups(pid int) (files []*os.File, missing []Cgroup, err error) {
	theirs, err := readCgroups(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return nil, nil, err
	}
	ours, err := readCgroups("/proc/self/cgroup")
	if err != nil {
		return nil, nil, err
	}
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, nil, err
	}
	for _, ctrl := range slices.Sorted(maps.Keys(theirs)) {
		cg := Cgroup{Controllers: ctrl, Path: theirs[ctrl]}
		if ours[cg.Controllers] == cg.Path {
			continue
		}
		m, ok := mounts[cg.Controllers]
		rel, inside := strings.CutPrefix(cg.Path, m.root)
		if !ok || !inside {
			missing = append(missing, cg)
			continue
		}
		path := filepath.Join(m.dir, rel, "cgroup.procs")
		f, err := os.OpenFile(path, os.O_WRONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != nil {
			CloseFiles(files)
			return nil, nil, fmt.Errorf("opening the container's cgroup: %w", err)
		}
		files = append(files, f)
	}
	if len(files) > maxCgroups {
		CloseFiles(files)
		return nil, nil, fmt.Errorf("%d cgroup hierarchies, nsj joins at most %d", len(files), maxCgroups)
	}
	return files, missing, nil
}

// CloseFiles closes files, for callers that give up before the join.
func CloseFiles(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// readCgroups reads a /proc/PID/cgroup file: controllers -> path.
func readCgroups(name string) (map[string]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "/") {
			return nil, fmt.Errorf("%s: unexpected line %q", name, sc.Text())
		}
		out[parts[1]] = parts[2]
	}
	return out, sc.Err()
}

type cgroupMount struct{ dir, root string }

// cgroupMounts finds in nsj's mount table where each hierarchy is mounted:
// its controllers (as /proc/PID/cgroup names them) -> mount point and root.
func cgroupMounts() (map[string]cgroupMount, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, fmt.Errorf("reading nsj's mount table: %w", err)
	}
	return cgroupMountsOf(mounts), nil
}

// cgroupMountsOf is cgroupMounts of a parsed mount table; the first mount
// of a hierarchy wins.
func cgroupMountsOf(mounts []*mountinfo.Info) map[string]cgroupMount {
	out := map[string]cgroupMount{}
	for _, m := range mounts {
		key, ok := hierarchy(m.FSType, m.VFSOptions)
		if _, seen := out[key]; ok && !seen {
			out[key] = cgroupMount{dir: m.Mountpoint, root: strings.TrimSuffix(m.Root, "/")}
		}
	}
	return out
}

// hierarchy names a cgroup mount as /proc/PID/cgroup does: its v1
// controllers (and name=) in the kernel's order, "" for v2.
func hierarchy(fstype, superOptions string) (string, bool) {
	switch fstype {
	case "cgroup2":
		return "", true
	case "cgroup":
	default:
		return "", false
	}
	var names []string
	for _, o := range strings.Split(superOptions, ",") {
		if o != "rw" && o != "ro" && !strings.HasPrefix(o, "release_agent=") && o != "noprefix" &&
			o != "clone_children" && o != "xattr" && o != "cpuset_v2_mode" && o != "favordynmods" {
			names = append(names, o)
		}
	}
	return strings.Join(names, ","), len(names) > 0
}
