package kubeplugin

import (
	"archive/tar"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Unpack writes the tar stream r of nsj cp POD:PATH - at dest on the
// operator's machine, as cp -r would put the copy: into dest if it is a
// directory, else as dest (the stream's one top-level entry renamed). It
// trusts nothing in the stream: a name that is absolute or climbs with ".."
// is refused, entries are written inside an os.Root of the destination, a
// path through a symbolic link (the stream's own, or one already there)
// or through anything but a directory is refused, files are written to a
// temporary name and renamed, and an existing device, FIFO or socket is
// never written through. warn is told of entries skipped (hard links,
// devices).
func Unpack(r io.Reader, dest string, warn func(string)) error {
	u, err := newUnpacker(dest)
	if err != nil {
		return err
	}
	defer u.root.Close()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			if u.first == "" {
				return Errorf("the pod sent nothing to copy")
			}
			return nil
		}
		if err != nil {
			return Errorf("reading the tar stream from the pod: %w", err)
		}
		if err := u.put(h, tr, warn); err != nil {
			return err
		}
	}
}

// unpacker is where entries go: root, with the stream's top-level name
// replaced by top unless top is "".
type unpacker struct {
	root  *os.Root
	top   string
	first string
	dest  string
}

func newUnpacker(dest string) (*unpacker, error) {
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		root, err := os.OpenRoot(dest)
		if err != nil {
			return nil, Errorf("%w", err)
		}
		return &unpacker{root: root, dest: dest}, nil
	}
	parent, top := filepath.Dir(dest), filepath.Base(dest)
	if strings.HasSuffix(dest, "/") || top == "." || top == ".." || top == string(filepath.Separator) {
		return nil, Errorf("%s: no such directory; make it first", dest)
	}
	root, err := os.OpenRoot(parent)
	if err != nil {
		return nil, Errorf("%s: the directory to copy into: %w", dest, err)
	}
	return &unpacker{root: root, top: top, dest: dest}, nil
}

// name checks an entry's name and gives it its place under the root.
func (u *unpacker) name(raw string) (string, error) {
	clean := path.Clean(raw)
	if path.IsAbs(raw) || clean == ".." || strings.HasPrefix(clean, "../") || !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", Errorf("the pod's tar stream names %q, outside the destination; nothing of it was written", raw)
	}
	first, rest, _ := strings.Cut(clean, "/")
	if u.first == "" {
		u.first = first
	}
	if u.top == "" {
		return clean, nil
	}
	if first != u.first {
		return "", Errorf("%s is not a directory, and the pod sent more than one top-level entry (%s, %s)", u.dest, u.first, first)
	}
	if rest == "" {
		return u.top, nil
	}
	return u.top + "/" + rest, nil
}

// put writes one entry.
func (u *unpacker) put(h *tar.Header, data io.Reader, warn func(string)) error {
	name, err := u.name(h.Name)
	if err != nil {
		return err
	}
	if err := u.checkParents(name); err != nil {
		return err
	}
	perm := fs.FileMode(h.Mode) & fs.ModePerm
	switch h.Typeflag {
	case tar.TypeDir:
		err = u.mkdir(name, perm)
	case tar.TypeReg:
		err = u.replace(name, func(tmp string) error { return u.writeFile(tmp, perm, data, h.Size) })
	case tar.TypeSymlink:
		err = u.replace(name, func(tmp string) error { return u.root.Symlink(h.Linkname, tmp) })
	default:
		warn(fmt.Sprintf("%s skipped: kubectl nsj cp writes regular files, directories and symbolic links (tar type %q)", h.Name, h.Typeflag))
		return nil
	}
	if err != nil {
		return Errorf("writing %s: %w", filepath.Join(u.root.Name(), filepath.FromSlash(name)), err)
	}
	return nil
}

// checkParents refuses a name whose directories are not all directories
// (a symbolic link among them is never followed), and makes the missing.
func (u *unpacker) checkParents(name string) error {
	parts := strings.Split(name, "/")
	for i := 1; i < len(parts); i++ {
		dir := strings.Join(parts[:i], "/")
		st, err := u.root.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			if err = u.root.Mkdir(dir, 0o755); err == nil {
				continue
			}
		}
		if err != nil {
			return Errorf("%s: %w", dir, err)
		}
		if !st.IsDir() {
			return Errorf("the pod's tar stream writes %s through %s, which is not a directory (a link is never followed); nothing of it was written", name, dir)
		}
	}
	return nil
}

func (u *unpacker) mkdir(name string, perm fs.FileMode) error {
	err := u.root.Mkdir(name, perm|0o700)
	if errors.Is(err, fs.ErrExist) {
		if st, lerr := u.root.Lstat(name); lerr == nil && st.IsDir() {
			return nil
		}
		return fmt.Errorf("it exists and is not a directory")
	}
	return err
}

// replace makes the entry under a temporary name with create, then renames
// it over name, which must be missing, a regular file or a symbolic link.
func (u *unpacker) replace(name string, create func(tmp string) error) error {
	if st, err := u.root.Lstat(name); err == nil && !st.Mode().IsRegular() && st.Mode()&fs.ModeSymlink == 0 {
		return fmt.Errorf("it is %s; remove it first or copy elsewhere", describeMode(st.Mode()))
	}
	b := make([]byte, 8)
	rand.Read(b)
	tmp := path.Join(path.Dir(name), ".kubectl-nsj-cp-"+hex.EncodeToString(b))
	if err := create(tmp); err != nil {
		u.root.Remove(tmp)
		return err
	}
	if err := u.root.Rename(tmp, name); err != nil {
		u.root.Remove(tmp)
		return err
	}
	return nil
}

func (u *unpacker) writeFile(tmp string, perm fs.FileMode, data io.Reader, size int64) error {
	f, err := u.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.CopyN(f, data, size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}
