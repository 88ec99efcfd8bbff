package nsjoin

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// PrivateEnvPrefix starts the names of nsj's private environment variables,
// which never reach the command.
const PrivateEnvPrefix = "_NSJ_"

// Exec hands r over to the constructor: it writes the request into a sealed
// memfd, lets that fd and the namespace fds survive exec, and replaces this
// process with a fresh copy of nsj (its own binary, read-only: see
// SealedSelf, SealedCopy) that joins and runs the command. It returns only on failure.
//
// The copy gets nsj's name as its only argument (reexecArgs): its child
// lives in the target's pid namespace until it executes the command, and
// any process there may read its /proc/PID/cmdline. The request carries
// everything the copy needs; nsj's own command line (-e KEY=VALUE among it)
// stays out of the container's sight.
func Exec(r *JoinRequest) error {
	b, err := r.Encode()
	if err != nil {
		return fmt.Errorf("building the join request: %w", err)
	}
	fd, err := writeSealed(b)
	if err != nil {
		return err
	}
	for _, f := range r.fds() {
		if err := inheritable(f); err != nil {
			unix.Close(fd)
			return err
		}
	}
	if err := inheritable(fd); err != nil {
		unix.Close(fd)
		return err
	}
	env := append(WithoutPrivate(os.Environ()), requestVar(fd))
	exe, release, err := sealedOrCopy()
	if err != nil {
		unix.Close(fd)
		return err
	}
	err = syscall.Exec(exe, reexecArgs(), env)
	release()
	unix.Close(fd)
	if err == syscall.E2BIG {
		return fmt.Errorf("re-executing nsj: %w; nsj's environment is too long for exec (getconf ARG_MAX): shorten it", err)
	}
	return fmt.Errorf("re-executing nsj: %w", err)
}

// fds lists the files r hands over by number: the namespaces, and the
// container's root, the binary to execute and its cgroups where r has them.
func (r *JoinRequest) fds() []int {
	var fds []int
	for _, f := range []int{r.RootNS, r.ExecFD} { // 0: not in this request
		if f != 0 {
			fds = append(fds, f)
		}
	}
	for _, n := range r.Namespaces {
		fds = append(fds, n.FD)
	}
	if r.Confine != nil {
		for _, cg := range r.Confine.Cgroups {
			fds = append(fds, cg.FD)
		}
	}
	return fds
}

// requestVar tells the constructor which fd holds the sealed request.
func requestVar(fd int) string { return fmt.Sprintf("%s=%d", envRequest, fd) }

// reexecArgs is the whole command line of nsj's re-executed copy: the name
// it was run as, nothing the user typed after it.
func reexecArgs() []string {
	if len(os.Args) == 0 || os.Args[0] == "" {
		return []string{"nsj"}
	}
	return os.Args[:1]
}

// writeSealed puts b into a memfd that can no longer change.
func writeSealed(b []byte) (int, error) {
	fd, err := unix.MemfdCreate("nsj-join-request", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return -1, fmt.Errorf("creating the join request memfd: %w", err)
	}
	for off := 0; off < len(b); {
		n, err := unix.Write(fd, b[off:])
		if err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("writing the join request: %w", err)
		}
		off += n
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("sealing the join request: %w", err)
	}
	return fd, nil
}

func inheritable(fd int) error {
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
		return fmt.Errorf("passing fd %d to the join: %w", fd, err)
	}
	return nil
}

// WithoutPrivate drops nsj's private variables from an environment.
func WithoutPrivate(env []string) []string {
	out := make([]string, 0, len(env))
	for _, e := range env {
		if !strings.HasPrefix(e, PrivateEnvPrefix) {
			out = append(out, e)
		}
	}
	return out
}
