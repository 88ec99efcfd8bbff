package nsjoin

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// SealedCopy copies the file at path into a memfd sealed against every
// change, and returns the path to execute it by (/proc/self/fd/N) and the
// release of the memfd. It is the re-exec of kernels without open_tree or
// mount_setattr (before Linux 5.12), as runc did for CVE-2019-5736: a
// process of the container that opens /proc/PID/exe of nsj's child gets
// the memfd, which nobody can write. It costs a copy of the binary each
// run (BenchmarkSealedSelf in integration/ measures it: 17-24 ms on the
// test machine, against some 10 µs for the read-only mount).
func SealedCopy(path string) (string, func(), error) {
	in, err := os.Open(path)
	if err != nil {
		return "", nil, fmt.Errorf("opening %s to copy it: %w", path, err)
	}
	defer in.Close()
	out, err := sealedCopyOf(in, "nsj")
	if err != nil {
		return "", nil, fmt.Errorf("nsj's binary: %w", err)
	}
	return fmt.Sprintf("/proc/self/fd/%d", out.Fd()), func() { out.Close() }, nil
}

// sealedCopyOf copies what in reads into an executable memfd named name,
// sealed against writes, growth, shrinking and further seals.
func sealedCopyOf(in io.Reader, name string) (*os.File, error) {
	fd, err := memfdExec(name)
	if err != nil {
		return nil, fmt.Errorf("creating a memfd for a sealed copy: %w", err)
	}
	out := os.NewFile(uintptr(fd), "memfd:"+name)
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return nil, fmt.Errorf("copying into a memfd: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(out.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		out.Close()
		return nil, fmt.Errorf("sealing a memfd copy: %w", err)
	}
	return out, nil
}

// memfdExec creates an executable memfd that can be sealed. MFD_EXEC
// (Linux 6.3) keeps it executable where vm.memfd_noexec would not; older
// kernels refuse the flag (EINVAL) and make every memfd executable.
func memfdExec(name string) (int, error) {
	const flags = unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate(name, flags|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) {
		fd, err = unix.MemfdCreate(name, flags)
	}
	return fd, err
}
