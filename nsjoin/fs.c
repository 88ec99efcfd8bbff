/*
 * fs.c: the container's filesystem, in the constructor.
 *
 * --root-at DIR (host view): the kernel refuses open_tree(OPEN_TREE_CLONE) of
 * a mount that belongs to another mount namespace (EINVAL), so the clone of
 * the container's root is made from inside it: nsj enters the container's
 * mount namespace for one system call, clones its tree (a detached copy,
 * open_tree with AT_RECURSIVE), returns to its private view and attaches the
 * copy at DIR with move_mount. The copy is made private first (see
 * make_private): a clone stays in the peer groups of the shared mounts it
 * copies, and unmounting it at exit would unmount the host's and the
 * container's mounts under them. DIR is created if missing; the parent removes
 * what it created once the command has exited, so that nothing is left on
 * the host. The host's mount table never changes: the private view's
 * propagation is private. A DIR that exists must be an empty directory, not
 * a symlink: the container's root would hide what is there, and host
 * commands that find their files there (a $PATH entry) would run the
 * container's as root. The check and the mount use one fd of DIR, so that
 * nothing put in its place between them is mounted over.
 *
 * --fs container: the mount namespace is joined like the others (join.c),
 * nothing is mounted, -w is resolved inside the container's root with
 * openat2(RESOLVE_IN_ROOT) or, before Linux 5.6, step by step (resolve.c),
 * and the host binary, opened by the Go side
 * before joining through a read-only mount attached nowhere (or copied into
 * a sealed memfd: sealbinary.go), is run with execveat(fd, "", AT_EMPTY_PATH),
 * so that the command's /proc/PID/exe never opens the host's file for writing.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/* struct mount_attr of <linux/mount.h> (Linux 5.12), which older headers lack. */
struct nsj_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* What nsj_attach_root made, for nsj_remove_root. */
static struct {
	char dir[PATH_MAX]; /* DIR */
	size_t created;     /* length of the first component nsj created; 0: none */
	int attached;       /* the tree is mounted at DIR */
} root;

static const char *hint = "use $NSJ_ROOT (/proc/1/root) instead of --root-at";
static const char *dir_hint = "name an empty or missing directory, e.g. /run/nsj/root";

/* Closes the fds of fds[0:n] that are open (>= 0); errno is kept. */
static void close_all(const int *fds, size_t n)
{
	int err = errno;
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	errno = err;
}

/* Like open(2) with O_PATH | O_DIRECTORY | O_CLOEXEC. */
static int open_dir(const char *path)
{
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/*
 * Enters mount namespace nsfd, clones its whole tree and comes back to the
 * view saved in self (a namespace fd), with the caller's root and working
 * directory. Returns the detached tree's fd.
 */
static int clone_tree(int nsfd, int self, int rootfd, int cwdfd)
{
	int tree, err;

	if (setns(nsfd, CLONE_NEWNS) < 0)
		return nsj_set_error(NSJ_EXIT_FAILURE, "entering the container's mount namespace: %s; %s", strerror(errno), hint);
	tree = syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | AT_RECURSIVE | O_CLOEXEC);
	err = errno;
	/* Back to nsj's view: root and working directory as they were. */
	if (setns(self, CLONE_NEWNS) < 0 || fchdir(rootfd) < 0 || chroot(".") < 0 || fchdir(cwdfd) < 0) {
		nsj_set_error(NSJ_EXIT_FAILURE, "returning from the container's mount namespace: %s", strerror(errno));
		if (tree >= 0)
			close(tree);
		return -1;
	}
	/* No fallback: a bind mount of another namespace's tree is refused (EINVAL). */
	if (tree < 0 && err == ENOSYS)
		return nsj_set_error(NSJ_EXIT_FAILURE, "--root-at needs open_tree and move_mount (Linux 5.2), which this kernel lacks; %s",
				     hint);
	if (tree < 0)
		return nsj_set_error(NSJ_EXIT_FAILURE, "cloning the container's root filesystem (open_tree, Linux 5.2 or later): %s; %s",
				     strerror(err), hint);
	return tree;
}

/*
 * Takes every mount of the tree open at fd out of its peer group and away
 * from its master (MS_PRIVATE, recursively), so that nothing mounted or
 * unmounted in the copy reaches the mounts it was cloned from, and the
 * reverse. A clone of a shared mount (an rshared volume, Kubernetes'
 * Bidirectional) is its peer: without this, nsj_remove_root's unmount would
 * take the host's submounts of that volume along.
 *
 * attached 0: the tree is still detached; mount_setattr (Linux 5.12) changes
 * it before it is attached anywhere. Returns 1 if the kernel lacks it: the
 * caller attaches the tree and calls again with attached 1, which does the
 * same with mount(2) through the fd (the tree is now in nsj's private view,
 * where MS_PRIVATE applies; until then the copy only receives the
 * container's mount events, and it sends none: nothing mounts in it).
 */
static int make_private(int fd, int attached)
{
	struct nsj_mount_attr attr = { .propagation = MS_PRIVATE };
	char path[32];

	if (!attached) {
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0)
			return 0;
		if (errno == ENOSYS) {
			nsj_debugf("fallback: mount_setattr unavailable (it needs Linux 5.12): "
				   "making the container's root private once attached");
			return 1;
		}
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (mount(NULL, path, NULL, MS_REC | MS_PRIVATE, NULL) == 0)
			return 0;
	}
	return nsj_set_error(NSJ_EXIT_FAILURE, "making the clone of the container's root filesystem private: %s; %s",
			     strerror(errno), hint);
}

/* mkdir -p dir, remembering the first directory it had to create. */
static int make_dir(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir), i;
	struct stat st;

	memcpy(path, dir, len + 1); /* len < PATH_MAX: checked by the caller */
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) == 0) {
			if (root.created == 0)
				root.created = i;
		} else if (errno != EEXIST) {
			return nsj_set_error(NSJ_EXIT_FAILURE, "creating %s for --root-at: %s", path, strerror(errno));
		}
		path[i] = dir[i];
	}
	if (lstat(dir, &st) < 0)
		return nsj_set_error(NSJ_EXIT_FAILURE, "--root-at %s: %s", dir, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return nsj_set_error(NSJ_EXIT_FAILURE, "--root-at %s is a symbolic link; %s", dir, dir_hint);
	if (!S_ISDIR(st.st_mode))
		return nsj_set_error(NSJ_EXIT_FAILURE, "--root-at %s: not a directory; %s", dir, dir_hint);
	return 0;
}

/* 1 if the directory open at fd has no entry but . and .., 0 if it has, -1 on error. */
static int empty_dir(int fd)
{
	char buf[4096];
	ssize_t n, off;

	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
				return 0;
			off += d->d_reclen;
		}
	}
	return n < 0 ? -1 : 1;
}

/* Opens DIR (no symlink) and checks that it is empty; returns its fd. */
static int open_empty_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), empty;

	if (fd < 0)
		return nsj_set_error(NSJ_EXIT_FAILURE, "--root-at %s: %s; %s", dir, strerror(errno), dir_hint);
	empty = empty_dir(fd);
	if (empty == 1)
		return fd;
	if (empty < 0)
		nsj_set_error(NSJ_EXIT_FAILURE, "--root-at %s: listing it: %s", dir, strerror(errno));
	else
		nsj_set_error(NSJ_EXIT_FAILURE, "--root-at %s is not empty: the container's root would hide its files from the command; %s",
			      dir, dir_hint);
	close(fd);
	return -1;
}

int nsj_attach_root(const struct nsj_request *req)
{
	int self, rootfd, cwdfd, tree = -1, dirfd = -1, ret = -1, later = 0;

	if (req->root_ns == 0)
		return 0;
	if (strlen(req->root_at) >= sizeof(root.dir))
		return nsj_set_error(NSJ_EXIT_FAILURE, "--root-at %.64s...: %s", req->root_at, strerror(ENAMETOOLONG));
	strcpy(root.dir, req->root_at);
	/* The private view (join.c made it) and where this process is in it. */
	self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	rootfd = open_dir("/");
	cwdfd = open_dir(".");
	if (self < 0 || rootfd < 0 || cwdfd < 0) {
		nsj_set_error(NSJ_EXIT_FAILURE, "saving nsj's view before cloning the container's root: %s", strerror(errno));
		goto out;
	}
	tree = clone_tree(req->root_ns, self, rootfd, cwdfd);
	if (tree < 0 || (later = make_private(tree, 0)) < 0)
		goto out;
	if (make_dir(req->root_at) < 0 || (dirfd = open_empty_dir(req->root_at)) < 0)
		goto out;
	if (syscall(SYS_move_mount, tree, "", dirfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
		nsj_set_error(NSJ_EXIT_FAILURE, "attaching the container's root filesystem at %s: %s; %s", req->root_at,
			      strerror(errno), hint);
		goto out;
	}
	/*
	 * Not private yet (the fallback): not marked attached either, so that
	 * nsj_remove_root never unmounts a tree whose unmount propagates. The
	 * copy goes with the private view when nsj exits (a namespace's end
	 * propagates nothing); only DIR stays, and the warning says so.
	 */
	if (later && make_private(tree, 1) < 0)
		goto out;
	root.attached = 1;
	nsj_debugf("the container's root filesystem is at %s%s", req->root_at,
		   root.created ? " (created; removed at exit)" : "");
	ret = 0;
out:
	close_all((int[]){ req->root_ns, self, rootfd, cwdfd, tree, dirfd }, 6);
	return ret;
}

/*
 * Called by the waiting parent once the child has exited (or the join
 * failed): the directories nsj created for --root-at go, after the tree is
 * detached from them in this (private) view. Failures are warnings: the
 * command's exit status is what nsj reports.
 */
void nsj_remove_root(void)
{
	size_t len = strlen(root.dir);

	if (root.created == 0)
		return;
	if (root.attached && umount2(root.dir, MNT_DETACH) < 0)
		dprintf(STDERR_FILENO, "nsj: warning: unmounting %s: %s\n", root.dir, strerror(errno));
	root.attached = 0;
	while (len >= root.created) {
		root.dir[len] = '\0';
		if (rmdir(root.dir) < 0) {
			dprintf(STDERR_FILENO, "nsj: warning: removing %s, which nsj created: %s\n", root.dir,
				strerror(errno));
			break;
		}
		while (len > 0 && root.dir[len] != '/')
			len--;
	}
	root.created = 0;
}

/*
 * -w. With --fs container it is a path inside the container: resolved
 * (resolve.c) as if the container's root were "/" (RESOLVE_IN_ROOT: "..", and
 * absolute symlinks stay inside it) and without magic links such as
 * /proc/PID/root (RESOLVE_NO_MAGICLINKS), so that no file of the
 * container's leads the command to a host directory.
 */
int nsj_change_dir(const struct nsj_request *req)
{
	int rootfd NSJ_AUTOCLOSE = -1, dir NSJ_AUTOCLOSE = -1;

	if (req->dir == NULL)
		return 0;
	if (!(req->flags & NSJ_FLAG_CONTAINER_FS))
		return chdir(req->dir);
	rootfd = open_dir("/");
	if (rootfd < 0)
		return -1;
	dir = nsj_open_dir_in_root(rootfd, req->dir); /* resolve.c */
	if (dir < 0)
		return -1;
	return fchdir(dir); /* -1 with errno, which the closes keep */
}

/* The exec; returns only on failure, with errno set. */
void nsj_exec(const struct nsj_request *req)
{
	if (req->exec_fd == 0) {
		execve(req->path, req->argv, req->envp);
		return;
	}
	/* Close-on-exec: the program does not inherit an fd of its own binary. */
	if (fcntl(req->exec_fd, F_SETFD, FD_CLOEXEC) < 0)
		return;
	syscall(SYS_execveat, req->exec_fd, "", req->argv, req->envp, AT_EMPTY_PATH);
}
