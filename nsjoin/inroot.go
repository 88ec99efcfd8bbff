package nsjoin

/*
#include <stdlib.h>
#include "internal.h"
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// OpenDirInRoot opens the directory path inside the tree of rootfd, as the
// constructor's -w lookup does (resolve.c): openat2 with RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS, or before Linux 5.6 a walk one component at a time
// that reads every symbolic link as text and resolves it inside the root
// again. Absolute links and ".." stay inside the root; the result is an
// O_PATH directory fd (close-on-exec) that the caller closes.
func OpenDirInRoot(rootfd int, path string) (int, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	fd, err := C.nsj_open_dir_in_root(C.int(rootfd), cpath)
	if fd < 0 {
		if err == nil {
			err = unix.EINVAL
		}
		return -1, fmt.Errorf("%s: %w", path, err)
	}
	return int(fd), nil
}

// OpenRoot opens the root directory of p (the target of /proc/PID/root) as an
// O_PATH fd, and checks afterwards that p is still alive, so that the
// directory is the pinned process's and not that of a later owner of its
// PID. Paths inside it are then resolved with OpenDirInRoot, never by
// appending them to /proc/PID/root.
func (p *Process) OpenRoot() (int, error) {
	var fd int
	var err error
	if p.dir != nil {
		fd, err = unix.Openat(p.dir.fd, "root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	} else {
		fd, err = unix.Open(fmt.Sprintf("/proc/%d/root", p.PID), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		if aliveErr := p.Alive(); aliveErr != nil {
			return -1, aliveErr
		}
		return -1, fmt.Errorf("opening the root of PID %d: %w", p.PID, err)
	}
	if err := p.Alive(); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// ReadIDMap reads p's uid_map or gid_map (which: "uid" or "gid") and checks
// that p is still alive afterwards. Each line is container ID, host ID,
// count; a process without a user namespace of its own has "0 0 4294967295".
func (p *Process) ReadIDMap(which string) ([][3]uint32, error) {
	name := which + "_map"
	var fd int
	var err error
	if p.dir != nil {
		fd, err = unix.Openat(p.dir.fd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	} else {
		fd, err = unix.Open(fmt.Sprintf("/proc/%d/%s", p.PID, name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the %s of PID %d: %w", name, p.PID, err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 4096)
	n, err := unix.Read(fd, buf)
	if err != nil {
		return nil, fmt.Errorf("reading the %s of PID %d: %w", name, p.PID, err)
	}
	if err := p.Alive(); err != nil {
		return nil, err
	}
	return parseIDMap(string(buf[:n]))
}

// parseIDMap reads the lines of a uid_map or gid_map.
func parseIDMap(text string) ([][3]uint32, error) {
	var out [][3]uint32
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if line == "" {
			continue
		}
		var m [3]uint32
		if _, err := fmt.Sscan(line, &m[0], &m[1], &m[2]); err != nil {
			return nil, fmt.Errorf("malformed ID map line %q: %w", line, err)
		}
		out = append(out, m)
	}
	return out, nil
}
