package nsjoin

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// The Go side of the container's filesystem (fs.c has the C side).

// Why a binary cannot run among the container's files (--fs container).
var (
	ErrDynamic = errors.New("dynamically linked")
	ErrScript  = errors.New("a script")
	ErrNotELF  = errors.New("not an ELF executable")
)

// OpenStatic opens the host binary at path for --fs container, before any
// namespace is joined, sealed against writes through /proc/PID/exe
// (openSealed), and checks that it can run in the container's mount
// namespace, where the host's dynamic loader, libraries and interpreters
// are not: it must be an ELF executable without a program interpreter. The
// file it checks is the file the child executes (execveat on this fd).
func OpenStatic(path string) (*os.File, error) {
	f, err := openSealed(path)
	if err != nil {
		return nil, err
	}
	if err := checkStatic(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// checkExecutable: a regular file with an execute bit.
func checkExecutable(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%w: not an executable file", os.ErrPermission)
	}
	return nil
}

func checkStatic(f *os.File) error {
	line, _ := bufio.NewReader(io.NewSectionReader(f, 0, 256)).ReadString('\n')
	if strings.HasPrefix(line, "#!") {
		return fmt.Errorf("%w (%s)", ErrScript, strings.TrimSpace(line))
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return ErrNotELF
	}
	if ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN {
		return fmt.Errorf("%w (ELF type %s)", ErrNotELF, ef.Type)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			interp, _ := io.ReadAll(io.LimitReader(p.Open(), 256))
			return fmt.Errorf("%w (its loader is the host's %s)", ErrDynamic, strings.TrimRight(string(interp), "\x00"))
		}
	}
	return nil
}

// OpenMountNamespace opens the mount namespace of p for --root-at and checks
// that p is still alive, so that the file is p's. The constructor clones the
// tree from inside that namespace: the kernel refuses open_tree(2) clones of
// another namespace's mounts, such as /proc/PID/root, from outside (EINVAL).
func (p *Process) OpenMountNamespace() (*Namespace, error) {
	ns, err := p.OpenNamespace("mnt")
	if err != nil {
		if aliveErr := p.Alive(); aliveErr != nil {
			return nil, aliveErr
		}
		return nil, fmt.Errorf("opening the mount namespace of PID %d: %w", p.PID, err)
	}
	if err := p.Alive(); err != nil {
		ns.File.Close()
		return nil, err
	}
	return ns, nil
}
