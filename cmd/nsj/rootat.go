package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// rootAtHint says what --root-at takes.
const rootAtHint = "name an empty or missing directory, e.g. /run/nsj/root"

// checkRootAt refuses a --root-at DIR (absolute, clean) that the
// container's root must not cover: one that exists and is not an empty
// directory (a symlink included), and one that holds an entry of the
// command's $PATH, where host commands would find and run the container's
// files as root. The constructor checks emptiness again on the directory
// it mounts on (nsjoin/fs.c); this check comes first, with the same words.
func checkRootAt(dir, path string) error {
	for _, e := range filepath.SplitList(path) {
		if e = filepath.Clean(e); filepath.IsAbs(e) && (e == dir || strings.HasPrefix(e, dir+"/")) {
			return usageErrorf("--root-at %s holds $PATH entry %s: host commands would run the container's files there as root; %s", dir, e, rootAtHint)
		}
	}
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return usageErrorf("--root-at %s: %v; %s", dir, err, rootAtHint)
	case st.Mode()&fs.ModeSymlink != 0:
		return usageErrorf("--root-at %s is a symbolic link; %s", dir, rootAtHint)
	case !st.IsDir():
		return usageErrorf("--root-at %s: not a directory; %s", dir, rootAtHint)
	}
	f, err := os.Open(dir)
	if err != nil {
		return usageErrorf("--root-at %s: %v; %s", dir, err, rootAtHint)
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if len(names) == 0 && err != io.EOF {
		return usageErrorf("--root-at %s: listing it: %v; %s", dir, err, rootAtHint)
	}
	if len(names) > 0 {
		return usageErrorf("--root-at %s is not empty: the container's root would hide its files from the command; %s", dir, rootAtHint)
	}
	return nil
}
