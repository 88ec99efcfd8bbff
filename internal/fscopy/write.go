package fscopy

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// entry is one file a copy carries: rel is its slash-separated path under
// the destination ("" components never occur), kind an S_IF* type.
type entry struct {
	rel  string
	kind uint32
	perm uint32
	uid  int // the source's numeric owner, for a tar stream
	gid  int
	link string  // a symbolic link's text
	data content // a regular file's content
}

// sink receives the entries of a copy.
type sink interface {
	put(e *entry) error
}

// dirSink writes entries under the directory base of side.
type dirSink struct {
	side *Side
	base int // O_PATH directory fd
}

// put writes e under base: its parent directories are walked one name at a
// time with O_NOFOLLOW (and made if missing), so a symbolic link there,
// even one swapped in meanwhile, is refused rather than followed.
func (d *dirSink) put(e *entry) error {
	parent, name, err := d.parent(e.rel)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	switch e.kind {
	case unix.S_IFDIR:
		return d.mkdir(parent, name, e)
	case unix.S_IFREG, unix.S_IFLNK:
		return d.replace(parent, name, e)
	}
	logrus.Warnf("%s: skipped: %s (nsj cp writes regular files, directories and symbolic links)", d.side.where(e.rel), kindName(e.kind))
	return nil
}

// parent opens the directory of rel under base.
func (d *dirSink) parent(rel string) (int, string, error) {
	parts := strings.Split(rel, "/")
	cur, err := unix.Openat(d.base, ".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", err
	}
	for _, p := range parts[:len(parts)-1] {
		next, err := openSubdir(cur, p)
		if errors.Is(err, unix.ENOENT) {
			if err = unix.Mkdirat(cur, p, 0o700); err == nil || errors.Is(err, unix.EEXIST) {
				if next, err = openSubdir(cur, p); err == nil {
					err = d.own(next, unix.S_IFDIR|0o777)
				}
			}
		}
		unix.Close(cur)
		if err != nil {
			return -1, "", fmt.Errorf("%s: %w", d.side.where(rel), err)
		}
		cur = next
	}
	return cur, parts[len(parts)-1], nil
}

// openSubdir opens the directory name of dir, never through a link.
func openSubdir(dir int, name string) (int, error) {
	return unix.Openat(dir, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
}

// own gives the file fd the side's owner and mode (perm &^ umask).
func (d *dirSink) own(fd int, mode uint32) error {
	o := d.side.owner
	f, err := reopenFd(fd)
	if err != nil {
		return err
	}
	defer unix.Close(f)
	if o.Chown {
		if err := unix.Fchown(f, int(o.UID), int(o.GID)); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	if err := unix.Fchmod(f, mode&0o777&^o.Umask); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return nil
}

// reopenFd turns an O_PATH directory fd into one fchown and fchmod take.
func reopenFd(fd int) (int, error) {
	return unix.Openat(fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

// mkdir makes the directory name in parent, or keeps the one there.
func (d *dirSink) mkdir(parent int, name string, e *entry) error {
	err := unix.Mkdirat(parent, name, 0o700)
	if errors.Is(err, unix.EEXIST) {
		fd, err := openSubdir(parent, name)
		if err != nil {
			return fmt.Errorf("%s exists and is not a directory: %w", d.side.where(e.rel), err)
		}
		unix.Close(fd)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", d.side.where(e.rel), err)
	}
	fd, err := openSubdir(parent, name)
	if err == nil {
		err = d.own(fd, e.perm)
		unix.Close(fd)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", d.side.where(e.rel), err)
	}
	return nil
}

// replace writes a file or symbolic link to a new temporary name in parent
// and renames it over name, which must be missing or a regular file or a
// symbolic link the copy replaces (a link is replaced, never followed).
func (d *dirSink) replace(parent int, name string, e *entry) error {
	if err := d.checkTarget(parent, name, e); err != nil {
		return err
	}
	tmp, err := tempName()
	if err != nil {
		return err
	}
	if e.kind == unix.S_IFLNK {
		err = d.symlink(parent, tmp, e)
	} else {
		err = d.writeFile(parent, tmp, e)
	}
	if err == nil {
		err = unix.Renameat2(parent, tmp, parent, name, 0)
	}
	if err != nil {
		unix.Unlinkat(parent, tmp, 0)
		if errors.Is(err, errShrank) {
			return fmt.Errorf("%s: the source %w; nothing written", d.side.where(e.rel), err)
		}
		return fmt.Errorf("writing %s: %w", d.side.where(e.rel), err)
	}
	return nil
}

// checkTarget refuses to replace anything but a regular file or, with a
// symbolic link, another link: a device node, FIFO, socket or directory
// stays as it is.
func (d *dirSink) checkTarget(parent int, name string, e *entry) error {
	var st unix.Stat_t
	err := unix.Fstatat(parent, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", d.side.where(e.rel), err)
	}
	k := st.Mode & unix.S_IFMT
	if k == unix.S_IFREG || (k == unix.S_IFLNK && e.kind == unix.S_IFLNK) {
		return nil
	}
	return fmt.Errorf("%s is %s: nsj cp replaces only regular files (and links with links); remove it first or copy elsewhere",
		d.side.where(e.rel), kindName(st.Mode))
}

func (d *dirSink) writeFile(parent int, tmp string, e *entry) error {
	fd, err := unix.Openat(parent, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), tmp)
	defer f.Close()
	if err := e.data.writeFileTo(f); err != nil {
		return err
	}
	o := d.side.owner
	if o.Chown {
		if err := f.Chown(int(o.UID), int(o.GID)); err != nil {
			return err
		}
	}
	return f.Chmod(os.FileMode(e.perm & 0o777 &^ o.Umask))
}

func (d *dirSink) symlink(parent int, tmp string, e *entry) error {
	if err := unix.Symlinkat(e.link, parent, tmp); err != nil {
		return err
	}
	o := d.side.owner
	if !o.Chown {
		return nil
	}
	return unix.Fchownat(parent, tmp, int(o.UID), int(o.GID), unix.AT_SYMLINK_NOFOLLOW)
}

// tempName is a name no one guesses, for the file being written.
func tempName() (string, error) {
	b := make([]byte, 8)
	if _, err := unix.Getrandom(b, 0); err != nil {
		return "", fmt.Errorf("getrandom: %w", err)
	}
	return ".nsj-cp-" + hex.EncodeToString(b), nil
}
