// Package fscopy copies files between the host and a container's root
// (nsj cp) without trusting anything the container controls.
//
// A container's side is an O_PATH fd of its root directory; every path in
// it is resolved by nsjoin.OpenDirInRoot (openat2 with RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS, or a step-by-step walk before Linux 5.6), and the
// last component is opened with O_NOFOLLOW relative to the directory found,
// so a symbolic link, absolute or with "..", never leads outside that root,
// even when the container swaps it in while nsj copies. Directories are
// walked by fd, never by path. Files are read through an O_PATH fd reopened
// only once it is known to be a regular file (a FIFO or device is never
// opened), up to the size seen at open, keeping holes; files are written
// to a new temporary name in the target directory, owned by the
// container's user and masked by its umask, and renamed over the old name,
// which is never opened, so a device node, FIFO, socket or symbolic link
// there is refused, not written through. Nothing from the container runs
// in nsj: ids are numeric and no name is looked up. See docs/copy.md.
package fscopy
