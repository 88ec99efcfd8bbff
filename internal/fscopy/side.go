package fscopy

import (
	"fmt"
	"path"
	"strings"

	"github.com/nsj-dev/nsj/nsjoin"
	"golang.org/x/sys/unix"
)

// Owner is who the files a copy writes belong to, in host ids, and the
// umask that masks their modes.
type Owner struct {
	UID, GID uint32
	Umask    uint32
	Chown    bool // false on the host: files stay the caller's
}

// Side is one end of a copy: a container's root or the host.
type Side struct {
	name  string // for messages: "task default/web", "the host"
	root  int    // O_PATH fd of the container's root; -1 for the host
	owner Owner
}

// Container is the side of a container whose root directory is the O_PATH
// fd root (kept open by the caller until the copy ends).
func Container(name string, root int, owner Owner) *Side {
	return &Side{name: name, root: root, owner: owner}
}

// Host is the host's side: paths as nsj's caller gives them, files written
// as the caller with the caller's umask.
func Host() *Side {
	mask := unix.Umask(0)
	unix.Umask(mask)
	return &Side{name: "the host", root: -1, owner: Owner{UID: uint32(unix.Getuid()), GID: uint32(unix.Getgid()), Umask: uint32(mask)}}
}

// where names p on s for messages.
func (s *Side) where(p string) string {
	if s.root < 0 {
		return p
	}
	return s.name + ":" + p
}

// openDir opens the directory p as an O_PATH fd: inside the root for a
// container (symbolic links resolved there too), as usual on the host.
func (s *Side) openDir(p string) (int, error) {
	if s.root < 0 {
		fd, err := unix.Open(p, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("%s: %w", p, err)
		}
		return fd, nil
	}
	fd, err := nsjoin.OpenDirInRoot(s.root, p)
	if err != nil {
		return -1, fmt.Errorf("%s: %w", s.name, err)
	}
	return fd, nil
}

// split cuts p into the directory to resolve and the last name, opened
// without following it. The name is "" when p itself must be a directory
// (it is "/" or ends in "/", ".", or "..").
func split(p string) (dir, name string) {
	if p == "" {
		return ".", ""
	}
	base := path.Base(p)
	if strings.HasSuffix(p, "/") || base == "." || base == ".." || base == "/" {
		return p, ""
	}
	if dir = p[:len(p)-len(base)]; dir == "" {
		dir = "." // a relative host path
	}
	return dir, base
}

// displayName is the name p's top entry gets at the destination.
func displayName(p string) string {
	base := path.Base(path.Clean(p))
	if base == "/" || base == ".." {
		return "."
	}
	return base
}

// maxLinks bounds the symbolic links -L follows, as the kernel's MAXSYMLINKS.
const maxLinks = 40

// lookup opens p on s without following its last component (O_PATH):
// the parent directory is resolved by openDir, the name opened with
// O_NOFOLLOW. With follow, a symbolic link there is read and resolved again
// (inside the root), up to maxLinks times.
func (s *Side) lookup(p string, follow bool) (*node, error) {
	for links := 0; ; links++ {
		dir, name := split(p)
		if name == "" {
			fd, err := s.openDir(dir)
			if err != nil {
				return nil, err
			}
			return newNode(fd, displayName(p))
		}
		dfd, err := s.openDir(dir)
		if err != nil {
			return nil, err
		}
		fd, err := unix.Openat(dfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		unix.Close(dfd)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.where(p), err)
		}
		n, err := newNode(fd, name)
		if err != nil || !follow || n.kind() != unix.S_IFLNK {
			return n, err
		}
		target, err := n.readlink()
		n.close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.where(p), err)
		}
		if links == maxLinks {
			return nil, fmt.Errorf("%s: %w", s.where(p), unix.ELOOP)
		}
		if !path.IsAbs(target) {
			target = path.Join(dir, target)
		}
		p = target
	}
}
