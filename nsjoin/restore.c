/*
 * restore.c: back to nsj's own namespaces after a failed join.
 *
 * A join that fails after setns(2) (half-way through the namespaces, or in
 * the child: -w, exec) is reported by the Go side (result.go), and the Go
 * runtime reads files as it starts: /dev/urandom, /proc/self/..., /sys.
 * In the container's mount namespace those are the container's (a FIFO in
 * place of /dev/urandom hangs nsj), so the Go runtime must never start
 * there, nor in any other namespace the container controls.
 *
 * So, before anything changes, nsj_save_namespaces opens nsj's own mount
 * namespace (the original, not the private copy made later), each other
 * namespace the request joins, and nsj's root and working directory. On a
 * failure nsj_restore_namespaces setns(2)es back into each, and chroot and
 * chdir back (setns into a mount namespace moves both to its root). If that
 * fails, Go cannot be trusted to start: the error is printed here and nsj
 * exits 125. Once the command runs, nsj_forget_namespaces closes the fds.
 * The pid namespace is join.c's (restore_pidns); the user namespace is
 * joined by the child only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* nsj's own namespaces (fd -1: not saved), root and working directory. */
static struct {
	struct nsj_ns ns[NSJ_MAX_NAMESPACES];
	size_t n;
	int root, cwd;
	int saved;
} own = { .root = -1, .cwd = -1 };

/* Opens nsj's own namespace of type; the caller checks that it is not saved yet. */
static int save_one(int type)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", nsj_ns_name(type));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nsj_set_error(NSJ_EXIT_FAILURE, "opening nsj's own %s namespace: %s", nsj_ns_name(type), strerror(errno));
	own.ns[own.n].fd = fd;
	own.ns[own.n].type = type;
	own.n++;
	return 0;
}

int nsj_save_namespaces(const struct nsj_request *req)
{
	size_t i;

	own.saved = 1;
	/* The mount namespace always: without --fs container nsj unshares a private copy. */
	if (save_one(CLONE_NEWNS) < 0)
		return -1;
	for (i = 0; i < req->nns; i++) {
		int type = req->ns[i].type;

		if (type == CLONE_NEWNS || type == CLONE_NEWPID || type == CLONE_NEWUSER)
			continue;
		if (own.n == NSJ_MAX_NAMESPACES)
			return nsj_set_error(NSJ_EXIT_FAILURE, "internal error: too many namespaces to save");
		if (save_one(type) < 0)
			return -1;
	}
	own.root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	own.cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (own.root < 0 || own.cwd < 0)
		return nsj_set_error(NSJ_EXIT_FAILURE, "opening nsj's own root and working directory: %s", strerror(errno));
	return 0;
}

/* Prints the recorded error and what failed after it, and exits: Go must not start. */
static void __attribute__((noreturn)) stranded(const char *what, int err)
{
	dprintf(STDERR_FILENO, "nsj: %s (and returning to nsj's own %s failed: %s)\n", nsj_result.message, what,
		strerror(err));
	_exit(nsj_result.exit_code ? nsj_result.exit_code : NSJ_EXIT_FAILURE);
}

void nsj_restore_namespaces(void)
{
	char names[128] = "";
	size_t i;

	if (!own.saved)
		return;
	/* Each type in the order saved; setns into the namespace nsj is in changes nothing. */
	for (i = 0; i < own.n; i++) {
		if (setns(own.ns[i].fd, own.ns[i].type) < 0) {
			int err = errno;

			snprintf(names, sizeof(names), "%s namespace", nsj_ns_name(own.ns[i].type));
			stranded(names, err);
		}
		snprintf(names + strlen(names), sizeof(names) - strlen(names), " %s", nsj_ns_name(own.ns[i].type));
	}
	if (own.root >= 0 && (fchdir(own.root) < 0 || chroot(".") < 0))
		stranded("root directory", errno);
	if (own.cwd >= 0 && fchdir(own.cwd) < 0)
		stranded("working directory", errno);
	nsj_debugf("returned to nsj's own%s namespaces", names);
	nsj_forget_namespaces();
}

void nsj_forget_namespaces(void)
{
	size_t i;

	for (i = 0; i < own.n; i++)
		close(own.ns[i].fd);
	if (own.root >= 0)
		close(own.root);
	if (own.cwd >= 0)
		close(own.cwd);
	own.n = 0;
	own.root = own.cwd = -1;
	own.saved = 0;
}
