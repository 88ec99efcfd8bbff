package main

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// fds lists the probe's open descriptors: "fd.N=KIND ACCESS", KIND a
// pipe, socket, anon_inode:..., a terminal of the container's devpts
// (pts:container) or of another (pts:foreign), or the path.
func (r report) fds() {
	dir, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		r["fd"] = "ERR:" + errName(err)
		return
	}
	defer unix.Close(dir)
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := unix.ReadDirent(dir, buf)
		if err != nil {
			r["fd"] = "ERR:" + errName(err)
			return
		}
		if n == 0 {
			break
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd == dir {
			continue
		}
		r["fd."+name] = describeFD(fd)
	}
}

func describeFD(fd int) string {
	target, err := readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		return "ERR:" + errName(err)
	}
	kind := target
	switch {
	case isTerminal(fd):
		kind = "pts:" + devpts(fd)
	case strings.HasPrefix(target, "pipe:"):
		kind = "pipe"
	case strings.HasPrefix(target, "socket:"):
		kind = "socket"
	case strings.HasPrefix(target, "anon_inode:"):
		kind = strings.Trim(target, "[]")
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return kind + " ERR:" + errName(err)
	}
	return kind + " " + [...]string{"rdonly", "wronly", "rdwr", "?"}[flags&unix.O_ACCMODE]
}

func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// devpts says whether terminal fd is one of the container's /dev/pts.
func devpts(fd int) string {
	var st, ptmx unix.Stat_t
	if unix.Fstat(fd, &st) != nil || unix.Stat("/dev/pts/ptmx", &ptmx) != nil {
		return "unknown"
	}
	if st.Dev == ptmx.Dev {
		return "container"
	}
	return "foreign"
}

func readlink(path string) (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Readlink(path, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// exe says what /proc/self/exe is: its path, whether it opens for writing
// now, whether it is on the mount of the probe's root directory, its memfd
// seals, whether its mount is read-only, and from those whether it could
// be written once the probe has exited (writable_later: neither sealed
// against writing nor on a read-only mount).
func (r report) exe() {
	path, err := readlink("/proc/self/exe")
	if err != nil {
		path = "ERR:" + errName(err)
	}
	r["exe.path"] = path
	if fd, err := unix.Open("/proc/self/exe", unix.O_WRONLY|unix.O_CLOEXEC, 0); err != nil {
		r["exe.open_wronly"] = errName(err)
	} else {
		unix.Close(fd)
		r["exe.open_wronly"] = "ok"
	}
	fd, err := unix.Open("/proc/self/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		r["exe.open_rdonly"] = errName(err)
		return
	}
	defer unix.Close(fd)
	r["exe.on_root_mount"] = fmt.Sprint(mountID(fd, "") == mountID(unix.AT_FDCWD, "/"))
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil {
		r["exe.seals"] = errName(err)
		seals = 0
	} else {
		r["exe.seals"] = sealNames(seals)
	}
	var fs unix.Statfs_t
	ro := unix.Fstatfs(fd, &fs) == nil && fs.Flags&unix.ST_RDONLY != 0
	r["exe.ro_mount"] = fmt.Sprint(ro)
	r["exe.writable_later"] = fmt.Sprint(!ro && seals&unix.F_SEAL_WRITE == 0)
}

func mountID(dirfd int, path string) uint64 {
	flags := unix.AT_EMPTY_PATH
	if path != "" {
		flags = 0
	}
	var stx unix.Statx_t
	if unix.Statx(dirfd, path, flags, unix.STATX_MNT_ID, &stx) != nil {
		return 0
	}
	return stx.Mnt_id
}

func sealNames(seals int) string {
	var names []string
	for _, s := range []struct {
		bit  int
		name string
	}{{unix.F_SEAL_SEAL, "seal"}, {unix.F_SEAL_SHRINK, "shrink"}, {unix.F_SEAL_GROW, "grow"},
		{unix.F_SEAL_WRITE, "write"}, {unix.F_SEAL_FUTURE_WRITE, "future_write"}} {
		if seals&s.bit != 0 {
			names = append(names, s.name)
		}
	}
	if names == nil {
		return "none"
	}
	return strings.Join(names, ",")
}
