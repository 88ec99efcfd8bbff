package plan

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/exit"
)

// RootAtHint says what --root-at takes.
const RootAtHint = "name an empty or missing directory, e.g. /run/nsj/root"

// CheckRootAt refuses a --root-at DIR (absolute, clean) that the
// container's root must not cover: one that exists and is not an empty
// directory (a symlink included), and one that holds an entry of the
// command's $PATH, where host commands would find and run the container's
// files as root. The constructor checks emptiness again on the directory
// it mounts on (nsjoin/fs.c); this check comes first, with the same words.
func CheckRootAt(dir, path string) error {
	for _, e := range filepath.SplitList(path) {
		if e = filepath.Clean(e); filepath.IsAbs(e) && (e == dir || strings.HasPrefix(e, dir+"/")) {
			return exit.Errorf(exit.Failure, "--root-at %s holds $PATH entry %s: host commands would run the container's files there as root; %s", dir, e, RootAtHint)
		}
	}
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return exit.Errorf(exit.Failure, "--root-at %s: %v; %s", dir, err, RootAtHint)
	case st.Mode()&fs.ModeSymlink != 0:
		return exit.Errorf(exit.Failure, "--root-at %s is a symbolic link; %s", dir, RootAtHint)
	case !st.IsDir():
		return exit.Errorf(exit.Failure, "--root-at %s: not a directory; %s", dir, RootAtHint)
	}
	f, err := os.Open(dir)
	if err != nil {
		return exit.Errorf(exit.Failure, "--root-at %s: %v; %s", dir, err, RootAtHint)
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if len(names) == 0 && err != io.EOF {
		return exit.Errorf(exit.Failure, "--root-at %s: listing it: %v; %s", dir, err, RootAtHint)
	}
	if len(names) > 0 {
		return exit.Errorf(exit.Failure, "--root-at %s is not empty: the container's root would hide its files from the command; %s", dir, RootAtHint)
	}
	return nil
}
