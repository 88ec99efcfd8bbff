package fscopy

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Stream is the "-" of nsj cp: a tar stream on stdin or stdout.
const Stream = "-"

// Request is one copy: from FromPath on From to ToPath on To. A path of
// Stream (with a nil side) is a tar stream: Stdin as the source, Stdout as
// the destination. Follow (-L) follows a symbolic link at FromPath.
type Request struct {
	From, To         *Side
	FromPath, ToPath string
	Follow           bool
	Stdin            io.Reader
	Stdout           io.Writer
}

// Copy does the copy r describes.
func Copy(r Request) error {
	if r.FromPath == Stream {
		base, top, err := destination(r.To, r.ToPath, "")
		if err != nil {
			return err
		}
		defer unix.Close(base)
		var s sink = &dirSink{side: r.To, base: base}
		if top != "" {
			s = &renameTop{next: s, top: top, where: r.To.where(r.ToPath)}
		}
		return readTar(r.Stdin, s)
	}
	src, err := r.From.lookup(r.FromPath, r.Follow)
	if err != nil {
		return err
	}
	defer src.close()
	if !src.isFile() && !src.isDir() && !src.isLink() {
		return fmt.Errorf("%s is %s: nsj cp reads regular files, directories and symbolic links only", r.From.where(r.FromPath), src.kindName())
	}
	if r.ToPath == Stream {
		tw := tar.NewWriter(r.Stdout)
		if err := walk(r.From, src, displayName(r.FromPath), &tarSink{w: tw}); err != nil {
			return err
		}
		return tw.Close()
	}
	base, top, err := destination(r.To, r.ToPath, src.name)
	if err != nil {
		return err
	}
	defer unix.Close(base)
	return walk(r.From, src, top, &dirSink{side: r.To, base: base})
}

// destination is where a copy named name goes for ToPath p, as cp and
// docker cp do: into p if p is a directory (a link to one is resolved on
// the side, inside the container's root), else at p itself.
func destination(s *Side, p, name string) (int, string, error) {
	dir, err := s.openDir(p)
	if err == nil {
		return dir, name, nil
	}
	if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR) {
		return -1, "", err
	}
	parent, last := split(p)
	if last == "" {
		return -1, "", fmt.Errorf("%s: no such directory; make it first, or drop the trailing /", s.where(p))
	}
	dir, err = s.openDir(parent)
	if err != nil {
		return -1, "", fmt.Errorf("%s: the directory to copy into: %w", s.where(p), err)
	}
	return dir, last, nil
}

// walk puts n, named rel at the destination, and for a directory all it
// holds, into s. Each entry is opened from its directory's fd with
// O_NOFOLLOW: a link swapped in is copied as a link, never followed.
func walk(side *Side, n *node, rel string, s sink) error {
	e := &entry{rel: rel, kind: n.kind(), perm: n.perm(), uid: int(n.st.Uid), gid: int(n.st.Gid)}
	switch {
	case n.isDir():
		if err := s.put(e); err != nil {
			return err
		}
		return walkDir(side, n, rel, s)
	case n.isLink():
		link, err := n.readlink()
		if err != nil {
			return fmt.Errorf("%s: %w", n.name, err)
		}
		e.link = link
		return s.put(e)
	case n.isFile():
		f, err := n.reopen(0)
		if err != nil {
			return err
		}
		defer f.Close()
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err != nil {
			return fmt.Errorf("%s: %w", n.name, err)
		}
		e.data = content{file: f, size: st.Size}
		return s.put(e)
	}
	logrus.Warnf("%s: skipped: %s (nsj cp copies regular files, directories and symbolic links)", side.where(n.name), n.kindName())
	return nil
}

func walkDir(side *Side, n *node, rel string, s sink) error {
	names, err := n.names()
	if err != nil {
		return err
	}
	for _, name := range names {
		c, err := n.child(name)
		if errors.Is(err, unix.ENOENT) {
			continue // removed since it was listed
		}
		if err != nil {
			return err
		}
		err = walk(side, c, strings.TrimPrefix(rel+"/"+name, "./"), s)
		c.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// renameTop puts a tar stream's one top-level entry (and what is under it)
// at a new name: nsj cp - TASK:PATH where PATH is not a directory.
type renameTop struct {
	next  sink
	top   string // the new name
	first string // the stream's top-level name
	where string // PATH, for messages
}

func (r *renameTop) put(e *entry) error {
	first, rest, _ := strings.Cut(e.rel, "/")
	if r.first == "" {
		r.first = first
	}
	if first != r.first {
		return fmt.Errorf("%s is not a directory, and the tar stream has more than one top-level entry (%s, %s); make it a directory first", r.where, r.first, first)
	}
	e.rel = r.top
	if rest != "" {
		e.rel += "/" + rest
	}
	return r.next.put(e)
}
