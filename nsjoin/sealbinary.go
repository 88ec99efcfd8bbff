package nsjoin

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// openSealed opens the host binary at path so that no process that later
// runs it, or gets its /proc/PID/exe, can open the host's file for writing
// (CVE-2019-5736): under --fs container the command has the container's
// credentials and is dumpable, so the container's root may open its
// /proc/PID/exe, keep the descriptor and reopen it for writing once the
// command has exited.
//
// The file is reopened through a read-only, nosuid, nodev clone of the mount
// of its directory that is attached nowhere (sealedPath, as nsj does for its
// own binary): every reopen through /proc then fails with EROFS. Where the
// clone cannot be made (before Linux 5.12) or does not show the same file
// (the binary is a mount point of its own, or was replaced meanwhile), it
// is copied into a sealed memfd instead. Cost: docs/distroless.md.
func openSealed(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := checkExecutable(f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err) // checked here: a memfd copy is always executable
	}
	ro, err := reopenReadOnly(f)
	if err == nil {
		return ro, nil
	}
	logrus.Debugf("fallback: --fs container runs a sealed memfd copy of %s: its read-only mount failed: %v", path, err)
	copied, copyErr := sealedCopyOf(f, filepath.Base(path))
	if copyErr != nil {
		return nil, fmt.Errorf("protecting the binary from being rewritten through /proc/PID/exe: a read-only mount (open_tree and mount_setattr, Linux 5.12) failed: %v; a sealed memfd copy failed too: %w", err, copyErr)
	}
	return copied, nil
}

// reopenReadOnly opens the file of f again, through a read-only clone of its
// directory's mount, and checks that it is the same file.
func reopenReadOnly(f *os.File) (*os.File, error) {
	real, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	if err != nil {
		return nil, fmt.Errorf("finding the binary's path: %w", err)
	}
	if !filepath.IsAbs(real) || strings.HasSuffix(real, " (deleted)") {
		return nil, fmt.Errorf("the binary has no path of its own (%s)", real)
	}
	sealed, release, err := sealedPath(real)
	if err != nil {
		return nil, err
	}
	defer release() // the open file keeps the clone
	ro, err := os.OpenFile(sealed, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening %s through its read-only mount: %w", real, err)
	}
	var a, b unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &a); err != nil {
		ro.Close()
		return nil, err
	}
	if err := unix.Fstat(int(ro.Fd()), &b); err != nil || a.Dev != b.Dev || a.Ino != b.Ino {
		ro.Close()
		return nil, fmt.Errorf("%s on its read-only mount is another file (a mount point of its own?)", real)
	}
	return ro, nil
}
