// Package snapmount mounts a containerd snapshot (a stopped container's
// root) detached and read-only: the mount is attached nowhere, neither on
// the host nor in any container, and lives only as long as the file
// descriptor of its root that Open returns. nsj cp resolves paths from that
// descriptor inside the tree (openat2 RESOLVE_IN_ROOT), as it does from a
// running container's /proc/PID/root.
package snapmount

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/nsj-dev/nsj/runtime/containerd"
	"golang.org/x/sys/unix"
)

// locked are the attributes of every mount Open makes: nothing written,
// no set-uid, device or program of the snapshot honoured.
const locked = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC

// Open mounts the tree that mounts describe (a snapshotter's answer: one
// overlay, or one bind of a directory) detached and read-only, and
// returns a descriptor of its root that the caller closes; closing it
// unmounts the tree.
func Open(mounts []containerd.Mount) (int, error) {
	if len(mounts) != 1 {
		return -1, fmt.Errorf("the snapshot is %d mounts; nsj cp reads a snapshot of one overlay or bind mount", len(mounts))
	}
	m := mounts[0]
	switch m.Type {
	case "overlay":
		return overlay(m.Options)
	case "bind", "rbind":
		return bind(m.Source)
	}
	return -1, fmt.Errorf("the snapshot is a %q mount; nsj cp reads overlay and bind snapshots only", m.Type)
}

// bind clones the tree at source (a snapshot's directory on the host)
// into a detached mount (open_tree OPEN_TREE_CLONE), then makes it
// read-only (mount_setattr) before anything reads it.
func bind(source string) (int, error) {
	if !filepath.IsAbs(source) {
		return -1, fmt.Errorf("bind mount of the snapshot: source %q is not an absolute path", source)
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, source, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err != nil {
		return -1, fmt.Errorf("open_tree %s: %w", source, err)
	}
	attr := &unix.MountAttr{Attr_set: locked}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, attr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("mount_setattr read-only on %s: %w", source, err)
	}
	return fd, nil
}

// overlay makes a new overlay with no upper layer (fsopen, fsconfig,
// fsmount): the snapshot's upper directory becomes its top lower layer,
// so the container's changes are seen and nothing can be written.
func overlay(options []string) (int, error) {
	layers, rest, err := overlayLayers(options)
	if err != nil {
		return -1, err
	}
	if len(layers) == 1 { // an overlay needs two layers when it has no upper
		return bind(layers[0])
	}
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen overlay: %w", err)
	}
	defer unix.Close(fsfd)
	if err := setLayers(fsfd, layers); err != nil {
		return -1, err
	}
	for _, o := range rest {
		k, v, hasValue := strings.Cut(o, "=")
		if hasValue {
			err = unix.FsconfigSetString(fsfd, k, v)
		} else {
			err = unix.FsconfigSetFlag(fsfd, k)
		}
		if err != nil {
			return -1, fmt.Errorf("overlay option %s: %w", o, err)
		}
	}
	if err := unix.FsconfigSetFlag(fsfd, "ro"); err != nil {
		return -1, fmt.Errorf("overlay option ro: %w", err)
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return -1, fmt.Errorf("overlay of %s: %w", strings.Join(layers, ":"), err)
	}
	fd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, locked)
	if err != nil {
		return -1, fmt.Errorf("fsmount overlay: %w", err)
	}
	return fd, nil
}

// overlayLayers reads a snapshot's overlay options: the layers, upper
// first, then the options that still apply to a tree without an upper
// layer (workdir, volatile and the read-write flags are dropped).
func overlayLayers(options []string) (layers, rest []string, err error) {
	var upper string
	var lower []string
	for _, o := range options {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "upperdir":
			upper = v
		case "lowerdir":
			lower = strings.Split(v, ":")
		case "workdir", "volatile", "ro", "rw":
		default:
			rest = append(rest, o)
		}
	}
	if upper != "" {
		layers = append(layers, upper)
	}
	layers = append(layers, lower...)
	for _, l := range layers {
		if !filepath.IsAbs(l) {
			return nil, nil, fmt.Errorf("overlay of the snapshot: layer %q is not an absolute path", l)
		}
	}
	if len(layers) == 0 {
		return nil, nil, fmt.Errorf("overlay of the snapshot: its options %q name no layer", options)
	}
	return layers, rest, nil
}

// setLayers gives the overlay its layers, top first. fsconfig takes
// strings of up to 256 bytes, which a few of containerd's layer paths
// exceed together: each is added alone with "lowerdir+" (Linux 6.8), or,
// where that key is unknown, all at once with "lowerdir".
func setLayers(fsfd int, layers []string) error {
	err := unix.FsconfigSetString(fsfd, "lowerdir+", layers[0])
	if err == nil {
		for _, l := range layers[1:] {
			if err := unix.FsconfigSetString(fsfd, "lowerdir+", l); err != nil {
				return fmt.Errorf("overlay lowerdir+=%s: %w", l, err)
			}
		}
		return nil
	}
	all := strings.Join(layers, ":")
	if err := unix.FsconfigSetString(fsfd, "lowerdir", all); err != nil {
		return fmt.Errorf("overlay lowerdir=%s: %w (Linux before 6.8 takes 256 bytes of layer paths)", all, err)
	}
	return nil
}
