package fscopy

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// tarSink writes entries as a tar stream (nsj cp TASK:/path -). Holes are
// sent as zeros: the tar format Go writes has no sparse entries.
type tarSink struct{ w *tar.Writer }

func (t *tarSink) put(e *entry) error {
	h := &tar.Header{Name: e.rel, Mode: int64(e.perm), Uid: e.uid, Gid: e.gid, Format: tar.FormatPAX}
	switch e.kind {
	case unix.S_IFDIR:
		h.Typeflag, h.Name = tar.TypeDir, e.rel+"/"
	case unix.S_IFLNK:
		h.Typeflag, h.Linkname = tar.TypeSymlink, e.link
	case unix.S_IFREG:
		h.Typeflag, h.Size = tar.TypeReg, e.data.size
	default:
		return fmt.Errorf("%s: %s cannot be archived", e.rel, kindName(e.kind))
	}
	if err := t.w.WriteHeader(h); err != nil {
		return fmt.Errorf("writing the tar stream: %w", err)
	}
	if e.kind != unix.S_IFREG {
		return nil
	}
	if err := e.data.writeTo(t.w); err != nil {
		if errors.Is(err, errShrank) {
			return fmt.Errorf("%s %w", e.rel, err)
		}
		return fmt.Errorf("writing %s to the tar stream: %w", e.rel, err)
	}
	return nil
}

// readTar puts the entries of the tar stream r into s. A name that is
// absolute or climbs with ".." is refused before anything of it is
// written; hard links, devices and FIFOs are skipped with a warning.
func readTar(r io.Reader, s sink) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the tar stream: %w", err)
		}
		rel, err := tarName(h.Name)
		if err != nil {
			return err
		}
		if rel == "" {
			continue // the top directory itself: the destination
		}
		e := &entry{rel: rel, perm: uint32(h.Mode) & 0o7777}
		switch h.Typeflag {
		case tar.TypeDir:
			e.kind = unix.S_IFDIR
		case tar.TypeReg:
			e.kind, e.data = unix.S_IFREG, content{stream: tr, size: h.Size}
		case tar.TypeSymlink:
			e.kind, e.link = unix.S_IFLNK, h.Linkname
		default:
			logrus.Warnf("tar stream: %s skipped: nsj cp writes regular files, directories and symbolic links (tar type %q)", h.Name, h.Typeflag)
			continue
		}
		if err := s.put(e); err != nil {
			return err
		}
	}
}

// tarName checks an entry's name: relative, not climbing out with "..".
func tarName(name string) (string, error) {
	if path.IsAbs(name) {
		return "", fmt.Errorf("tar stream: entry %q has an absolute name; nsj cp takes names relative to the destination only", name)
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("tar stream: entry %q climbs out of the destination with \"..\"; nothing of it was written", name)
	}
	if clean == "." {
		return "", nil
	}
	return clean, nil
}
