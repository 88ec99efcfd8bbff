package fscopy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// node is a file opened with O_PATH (never followed, never really opened):
// its type is known before anything reads it.
type node struct {
	fd   int
	name string
	st   unix.Stat_t
}

func newNode(fd int, name string) (*node, error) {
	n := &node{fd: fd, name: name}
	if err := unix.Fstat(fd, &n.st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

func (n *node) close()           { unix.Close(n.fd) }
func (n *node) kind() uint32     { return n.st.Mode & unix.S_IFMT }
func (n *node) perm() uint32     { return n.st.Mode & 0o7777 }
func (n *node) isDir() bool      { return n.kind() == unix.S_IFDIR }
func (n *node) isFile() bool     { return n.kind() == unix.S_IFREG }
func (n *node) isLink() bool     { return n.kind() == unix.S_IFLNK }
func (n *node) kindName() string { return kindName(n.st.Mode) }

// kindName names a file type for messages.
func kindName(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "a regular file"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFLNK:
		return "a symbolic link"
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFSOCK:
		return "a socket"
	case unix.S_IFCHR:
		return "a character device"
	case unix.S_IFBLK:
		return "a block device"
	}
	return "a file of unknown type"
}

// readlink reads the text of a symbolic link node.
func (n *node) readlink() (string, error) {
	buf := make([]byte, unix.PathMax)
	k, err := unix.Readlinkat(n.fd, "", buf)
	if err != nil {
		return "", err
	}
	return string(buf[:k]), nil
}

// reopen opens a node for reading through /proc/self/fd, nsj's own magic
// link to the very inode that was checked: a regular file or a directory,
// never a FIFO or device (whose open could block or act).
func (n *node) reopen(flags int) (*os.File, error) {
	if !n.isFile() && !n.isDir() {
		return nil, fmt.Errorf("%s is %s: nsj cp reads regular files, directories and symbolic links only", n.name, n.kindName())
	}
	fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(n.fd), flags|unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", n.name, err)
	}
	f := os.NewFile(uintptr(fd), n.name)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Ino != n.st.Ino || st.Dev != n.st.Dev {
		f.Close()
		return nil, fmt.Errorf("%s changed while nsj opened it", n.name)
	}
	return f, nil
}

// child opens the entry name of the directory node n, without following it.
func (n *node) child(name string) (*node, error) {
	fd, err := unix.Openat(n.fd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", n.name, name, err)
	}
	return newNode(fd, n.name+"/"+name)
}

// names lists the entries of the directory node n.
func (n *node) names() ([]string, error) {
	f, err := n.reopen(unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", n.name, err)
	}
	return names, nil
}

// errShrank: a file got shorter while nsj read it.
var errShrank = errors.New("shrank while nsj read it")

// content is what a regular file gives a copy: size bytes, the size seen
// at open, from a file (whose holes are kept) or a stream.
type content struct {
	file   *os.File  // nil for a stream
	stream io.Reader // a tar entry's data
	size   int64
}

// writeTo writes the content to w (size bytes exactly).
func (c content) writeTo(w io.Writer) error {
	r := c.stream
	if c.file != nil {
		r = io.NewSectionReader(c.file, 0, c.size)
	}
	n, err := io.CopyBuffer(w, r, make([]byte, copyBuffer))
	if err != nil {
		return err
	}
	if n < c.size {
		return errShrank
	}
	return nil
}

// writeFileTo writes the content to dst at its offsets: from a file, only
// its data segments (SEEK_DATA and SEEK_HOLE), so holes stay holes; dst
// is then truncated to size.
func (c content) writeFileTo(dst *os.File) error {
	if c.file == nil {
		if err := c.writeTo(dst); err != nil {
			return err
		}
		return dst.Truncate(c.size)
	}
	buf := make([]byte, copyBuffer)
	for off := int64(0); off < c.size; {
		data, err := unix.Seek(int(c.file.Fd()), off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) || (err == nil && data >= c.size) {
			break // only a hole is left
		}
		if err != nil {
			return fmt.Errorf("finding data: %w", err)
		}
		hole, err := unix.Seek(int(c.file.Fd()), data, unix.SEEK_HOLE)
		if err != nil {
			return fmt.Errorf("finding a hole: %w", err)
		}
		hole = min(hole, c.size)
		n, err := io.CopyBuffer(io.NewOffsetWriter(dst, data), io.NewSectionReader(c.file, data, hole-data), buf)
		if err != nil {
			return err
		}
		if n < hole-data {
			return errShrank
		}
		off = hole
	}
	return dst.Truncate(c.size)
}

// copyBuffer is the size of the buffer file data goes through.
const copyBuffer = 1 << 20
