package nsjoin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// selfExe is what nsj re-executes when it cannot seal its binary.
const selfExe = "/proc/self/exe"

// SealedSelf returns the path through which to re-execute nsj: its own
// binary on a read-only bind mount of its directory that is attached
// nowhere (/proc/self/fd/N/nsj).
//
// The process that re-executes this way has that read-only mount as its
// executable, and so does the child it forks into the target's pid
// namespace until the child executes the command. A process of the
// container that may open /proc/PID/exe of that child (one with
// CAP_SYS_PTRACE) gets a file it cannot open for writing, neither at once
// (a running binary is busy anyway) nor through a descriptor saved until nsj
// has exited: the CVE-2019-5736 attack on runc. runc copies or seals its
// binary for the same reason; a read-only clone of the mount costs two
// system calls and no copy. The mount disappears with the last process
// that executes it; the host's mount table never shows it.
//
// release closes the mount's descriptor once the exec is done or failed.
// On kernels without open_tree and mount_setattr (before 5.12), or when the
// binary was replaced since nsj started, it returns /proc/self/exe, a
// no-op release and the reason; Exec then re-executes a sealed copy
// instead (SealedCopy).
func SealedSelf() (path string, release func(), err error) {
	nop := func() {}
	exe, err := os.Readlink(selfExe)
	if err != nil {
		return selfExe, nop, fmt.Errorf("reading %s: %w", selfExe, err)
	}
	if strings.HasSuffix(exe, " (deleted)") {
		return selfExe, nop, fmt.Errorf("nsj's binary %s was removed or replaced since it started", exe)
	}
	sealed, release, err := sealedPath(exe)
	if err != nil {
		return selfExe, nop, err
	}
	if err := sameFile(selfExe, sealed); err != nil {
		release()
		return selfExe, nop, err
	}
	return sealed, release, nil
}

// sealedPath returns a path to file through a read-only clone of the mount
// of its directory that is attached nowhere, and the release of the clone.
func sealedPath(file string) (string, func(), error) {
	dir, name := filepath.Split(file)
	mfd, err := unix.OpenTree(unix.AT_FDCWD, dir, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return "", nil, fmt.Errorf("cloning the mount of %s: %w", dir, err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(mfd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(mfd)
		return "", nil, fmt.Errorf("making the clone of %s read-only: %w", dir, err)
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", mfd, name), func() { unix.Close(mfd) }, nil
}

// sameFile checks that the sealed path names the running binary (a bind
// mount keeps device and inode), not a file put in its place since.
func sameFile(running, sealed string) error {
	var a, b unix.Stat_t
	if err := unix.Stat(running, &a); err != nil {
		return fmt.Errorf("stat %s: %w", running, err)
	}
	if err := unix.Stat(sealed, &b); err != nil {
		return fmt.Errorf("stat %s: %w", sealed, err)
	}
	if a.Dev != b.Dev || a.Ino != b.Ino {
		return errors.New("nsj's binary was replaced since it started")
	}
	return nil
}

// sealedOrCopy is SealedSelf for Exec. Where the read-only mount cannot be
// made (kernels before 5.12 lack open_tree or mount_setattr), it falls back
// to a sealed memfd copy of the binary, which is as safe and slower, and
// says so under --debug. nsj never re-executes its binary unprotected: if
// neither works, it refuses.
func sealedOrCopy() (string, func(), error) {
	path, release, err := SealedSelf()
	if err == nil {
		return path, release, nil
	}
	copied, release, copyErr := SealedCopy(selfExe)
	if copyErr != nil {
		return "", nil, fmt.Errorf("protecting nsj's binary for its re-exec: a read-only mount (open_tree and mount_setattr, Linux 5.12) failed: %v; a sealed memfd copy failed too: %w", err, copyErr)
	}
	logrus.Debugf("fallback: re-executing a sealed memfd copy of nsj (%s): the read-only mount failed: %v", copied, err)
	return copied, release, nil
}
