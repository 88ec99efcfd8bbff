package plan

import (
	"bufio"
	"fmt"
	"os"

	"github.com/nsj-dev/nsj/internal/base/creds"
	"github.com/nsj-dev/nsj/nsjoin"
)

// A -t PID process in a user namespace of its own: /proc/PID/status shows
// its ids as nsj's user namespace sees them (host ids, 200000 for the
// namespace's root, say), but the command, which joins that namespace
// (fsns.go), takes them there. intoUserNS translates them through the
// process's uid_map and gid_map, as the kernel would; an id the namespace
// does not map (a process that joined it keeping an outside id) is refused.
func intoUserNS(pid int, cr *creds.Creds) error {
	own, err := nsjoin.OwnNamespace("user")
	if err != nil {
		return err
	}
	defer own.File.Close()
	its, err := nsjoin.OpenNamespace("user", fmt.Sprintf("/proc/%d/ns/user", pid))
	if err != nil {
		return err
	}
	defer its.File.Close()
	if its.Same(own) {
		return nil
	}
	uids, err := readIDMap(fmt.Sprintf("/proc/%d/uid_map", pid))
	if err != nil {
		return err
	}
	gids, err := readIDMap(fmt.Sprintf("/proc/%d/gid_map", pid))
	if err != nil {
		return err
	}
	ok := true
	cr.UID, ok = uids.inside(cr.UID, ok)
	cr.GID, ok = gids.inside(cr.GID, ok)
	for i, g := range cr.Groups {
		cr.Groups[i], ok = gids.inside(g, ok)
	}
	if !ok {
		return fmt.Errorf("its user, group or a supplementary group is not mapped in its own user namespace, where --fs container gives the command its credentials; name its container instead, or keep the host's privileges with --privileged")
	}
	return nil
}

// idMap is a uid_map or gid_map: lines "inside outside count".
type idMap [][3]uint32

func readIDMap(path string) (idMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m idMap
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e [3]uint32
		if _, err := fmt.Sscan(sc.Text(), &e[0], &e[1], &e[2]); err != nil {
			return nil, fmt.Errorf("%s: %q: %w", path, sc.Text(), err)
		}
		m = append(m, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return m, nil
}

// inside is the id within the namespace of outside id, and ok still true
// if it is mapped.
func (m idMap) inside(id uint32, ok bool) (uint32, bool) {
	for _, e := range m {
		if id >= e[1] && uint64(id) < uint64(e[1])+uint64(e[2]) {
			return e[0] + (id - e[1]), ok
		}
	}
	return id, false
}
