/*
 * resolve.c: opening a directory inside a root, as openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) does, with a fallback for kernels without openat2
 * (before Linux 5.6).
 *
 * The fallback walks the path one component at a time with O_NOFOLLOW, so
 * that the kernel never follows a link on nsj's behalf: a symbolic link is
 * read (readlinkat) and its text resolved by this walk, an absolute one from
 * the root again, and ".." at the root stays there. A magic link such as
 * /proc/PID/root is read as text too, so it cannot lead out of the root
 * either. The kernel adds its own guard: the walk runs in the container's
 * mount namespace, whose root is the process's root, which ".." never
 * passes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define MAX_LINKS 40 /* as the kernel's MAXSYMLINKS */
#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_CLOEXEC)

/* Replaces *cur with next (closing the old one); returns 0. */
static int step(int *cur, int next)
{
	close(*cur);
	*cur = next;
	return 0;
}

/* Whether fd is the directory st (the root). */
static int is_dir(int fd, const struct stat *st)
{
	struct stat here;

	return fstat(fd, &here) == 0 && here.st_dev == st->st_dev && here.st_ino == st->st_ino;
}

/*
 * rest = target + "/" + rest, for a symbolic link met before rest; -1 with
 * ENAMETOOLONG if it does not fit.
 */
static int prepend_link(char *rest, const char *target, size_t tlen)
{
	size_t rlen = strlen(rest);

	if (tlen + 1 + rlen >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memmove(rest + tlen + 1, rest, rlen + 1);
	memcpy(rest, target, tlen);
	rest[tlen] = '/';
	return 0;
}

/*
 * Opens component name of directory *cur: a directory replaces *cur; a
 * symbolic link is spliced into rest (and *cur goes back to the root if
 * its target is absolute). -1 with errno on failure.
 */
static int walk_one(int rootfd, const struct stat *rootst, int *cur, const char *name, char *rest, int *links)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int next;

	if (strcmp(name, "..") == 0) {
		if (is_dir(*cur, rootst))
			return 0;
		next = openat(*cur, "..", DIR_FLAGS);
		return next < 0 ? -1 : step(cur, next);
	}
	next = openat(*cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (next < 0 || fstat(next, &st) < 0)
		goto fail;
	if (S_ISDIR(st.st_mode))
		return step(cur, next);
	if (!S_ISLNK(st.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	if (++*links > MAX_LINKS) {
		errno = ELOOP;
		goto fail;
	}
	n = readlinkat(next, "", target, sizeof(target));
	if (n >= (ssize_t)sizeof(target))
		errno = ENAMETOOLONG;
	if (n < 0 || n >= (ssize_t)sizeof(target) || prepend_link(rest, target, n) < 0)
		goto fail;
	close(next);
	if (target[0] == '/') {
		next = openat(rootfd, ".", DIR_FLAGS);
		return next < 0 ? -1 : step(cur, next);
	}
	return 0;
fail:
	if (next >= 0) {
		int err = errno;
		close(next);
		errno = err;
	}
	return -1;
}

/* The fallback: path resolved component by component inside rootfd. */
static int open_in_root_by_steps(int rootfd, const char *path)
{
	char rest[PATH_MAX], name[NAME_MAX + 1];
	struct stat rootst;
	int cur, links = 0;
	size_t len;

	if (strlen(path) >= sizeof(rest)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(rest, path);
	if (fstat(rootfd, &rootst) < 0 || (cur = openat(rootfd, ".", DIR_FLAGS)) < 0)
		return -1;
	while (rest[0] != '\0') {
		len = strcspn(rest, "/");
		if (len > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(name, rest, len);
		name[len] = '\0';
		memmove(rest, rest + len + (rest[len] == '/'), strlen(rest + len + (rest[len] == '/')) + 1);
		if (len == 0 || strcmp(name, ".") == 0)
			continue;
		if (walk_one(rootfd, &rootst, &cur, name, rest, &links) < 0)
			goto fail;
	}
	return cur;
fail: {
	int err = errno;
	close(cur);
	errno = err;
	return -1;
}
}

int nsj_open_dir_in_root(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = DIR_FLAGS,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int dir, tries = 0;

	/* EAGAIN: a rename raced with ".."; the kernel asks to try again. */
	do
		dir = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (dir < 0 && errno == EAGAIN && ++tries < 16);
	if (dir >= 0 || errno != ENOSYS)
		return dir;
	nsj_debugf("fallback: openat2 unavailable (it needs Linux 5.6): resolving %s step by step inside the container's root", path);
	return open_in_root_by_steps(rootfd, path);
}
