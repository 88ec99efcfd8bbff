package kubeplugin

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// Pack writes src, a file or a directory (recursively) of the operator's
// machine, to w as a tar stream whose top-level entry is named after src,
// for nsj cp - in the agent. Symbolic links are sent as links, never
// followed; other special files are skipped with a warning. Owners are not
// sent: nsj gives the files the container's user.
func Pack(w io.Writer, src string, warn func(string)) error {
	tw := tar.NewWriter(w)
	top := filepath.Base(filepath.Clean(src))
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		return addEntry(tw, p, path.Join(top, filepath.ToSlash(rel)), warn)
	})
	if err != nil {
		return Errorf("packing %s: %w", src, err)
	}
	return tw.Close()
}

// addEntry writes the file p as name.
func addEntry(tw *tar.Writer, p, name string, warn func(string)) error {
	st, err := os.Lstat(p)
	if err != nil {
		return err
	}
	h := &tar.Header{Name: name, Mode: int64(st.Mode().Perm()), ModTime: st.ModTime(), Format: tar.FormatPAX}
	switch {
	case st.IsDir():
		h.Typeflag, h.Name = tar.TypeDir, name+"/"
	case st.Mode()&fs.ModeSymlink != 0:
		if h.Linkname, err = os.Readlink(p); err != nil {
			return err
		}
		h.Typeflag = tar.TypeSymlink
	case st.Mode().IsRegular():
		h.Typeflag, h.Size = tar.TypeReg, st.Size()
	default:
		warn(fmt.Sprintf("%s skipped: kubectl nsj cp sends regular files, directories and symbolic links", p))
		return nil
	}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	if h.Typeflag != tar.TypeReg {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.CopyN(tw, f, h.Size); err != nil {
		return fmt.Errorf("%s: %w (did it shrink while read?)", p, err)
	}
	return nil
}
