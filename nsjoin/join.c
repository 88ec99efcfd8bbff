/*
 * join.c: the constructor that joins a target's namespaces before the Go
 * runtime starts.
 *
 * setns(2) into a mount or user namespace fails with EINVAL in a process with
 * more than one thread, and the Go runtime starts threads before main. So, as
 * runc's nsexec does, the joining happens here, in a constructor that runs
 * while the process is still single-threaded. The Go side of nsj opens the
 * namespace files, writes a join request (see nsjoin.h) into a memfd and
 * re-executes itself with _NSJ_JOIN_REQUEST=<fd>. This constructor then:
 *
 *   1. makes itself non-dumpable, so that nothing in the container can ptrace
 *      it or open its /proc/PID files once it shares namespaces with it;
 *   2. reads and validates the request;
 *   3. unshares its mount namespace and makes every mount private: the fresh
 *      /proc mounted later exists only in this private copy of the host's view
 *      (so does the container's root with --root-at; with --fs container
 *      there is no copy: the container's own mount namespace is joined);
 *   4. setns(2)es into each namespace but the user namespace;
 *   5. forks: the pid namespace applies to children only. The child mounts
 *      /proc (and /sys), joins the user namespace last, closes every fd but
 *      0-2 and execs the host command;
 *   6. the parent forwards signals, hands the terminal over (or, under
 *      --fs container, relays a pseudo-terminal of the command's own:
 *      relay.c), and exits with the child's status without ever starting
 *      the Go runtime.
 *
 * Failures before the exec are not printed here: they are stored in
 * nsj_result and the constructor returns, so that the Go side (init in
 * result.go) prints one message and exits with the right code. It returns
 * to nsj's own namespaces, root and working directory first (restore.c):
 * the Go runtime never starts among the container's files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "nsjoin.h"
#include "internal.h"

struct nsj_result nsj_result;

static int debug_enabled;

void nsj_debugf(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!debug_enabled)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dprintf(STDERR_FILENO, "nsj: debug: nsjoin[%d]: %s\n", getpid(), line);
}

/* Records an error for the Go side; returns -1 for convenience. */
int nsj_set_error(int exit_code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nsj_result.message, sizeof(nsj_result.message), fmt, ap);
	va_end(ap);
	nsj_result.exit_code = exit_code;
	return -1;
}

/*
 * The request must be what Exec wrote: a memfd sealed against every change
 * (only memfds and shmem files have seals, and a file whose seals could
 * still change could change under the parser). Anything else in
 * _NSJ_JOIN_REQUEST was not written by nsj.
 */
int nsj_request_sealed(int fd)
{
	const int want = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & want) == want;
}

/* Reads the whole request from fd (a memfd written by the Go side). */
static int read_request(struct nsj_request *req)
{
	const char *value = getenv(NSJ_ENV_REQUEST);
	char *end, reason[256];
	unsigned char *buf;
	struct stat st;
	ssize_t n;
	size_t got = 0;
	long fd;
	int ret;

	errno = 0;
	fd = strtol(value, &end, 10);
	if (errno != 0 || *end != '\0' || fd < 3 || fd > INT_MAX)
		return nsj_set_error(NSJ_EXIT_FAILURE, "internal error: bad %s=%s; it is nsj's own variable: unset it", NSJ_ENV_REQUEST, value);
	if (fstat(fd, &st) < 0)
		return nsj_set_error(NSJ_EXIT_FAILURE, "internal error: reading the join request: %s; if you set %s, unset it", strerror(errno), NSJ_ENV_REQUEST);
	if (!nsj_request_sealed(fd))
		return nsj_set_error(NSJ_EXIT_FAILURE, "internal error: fd %ld is not nsj's sealed join request; %s is nsj's own variable: unset it",
				     fd, NSJ_ENV_REQUEST);
	if (st.st_size < NSJ_HEADER_LEN || st.st_size > NSJ_MAX_REQUEST)
		return nsj_set_error(NSJ_EXIT_FAILURE, "internal error: join request of %lld bytes", (long long)st.st_size);
	buf = malloc(st.st_size);
	if (buf == NULL)
		return nsj_set_error(NSJ_EXIT_FAILURE, "internal error: out of memory reading the join request");
	while (got < (size_t)st.st_size) {
		n = TEMP_FAILURE_RETRY(pread(fd, buf + got, st.st_size - got, got));
		if (n <= 0) {
			free(buf);
			return nsj_set_error(NSJ_EXIT_FAILURE, "internal error: reading the join request: %s",
					 n < 0 ? strerror(errno) : "short read");
		}
		got += n;
	}
	close(fd);
	ret = nsj_parse_request(buf, got, req, reason, sizeof(reason));
	free(buf);
	if (ret < 0)
		return nsj_set_error(NSJ_EXIT_FAILURE, "internal error: invalid join request: %s", reason);
	return 0;
}

/*
 * Step 3: a private copy of the host's mount namespace; with --root-at the
 * container's root is attached in it (fs.c). With --fs container there is
 * none: the container's mount namespace is joined in step 4.
 */
static int private_mounts(const struct nsj_request *req)
{
	if (req->flags & NSJ_FLAG_CONTAINER_FS)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return nsj_set_error(NSJ_EXIT_FAILURE, "creating a private mount namespace: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		/* In a chroot whose root is no mount point, / cannot be made private. */
		if (errno == EINVAL)
			return nsj_set_error(NSJ_EXIT_FAILURE, "making / private: nsj runs in a chroot whose root is not a mount point; bind-mount the directory on itself first (mount --bind DIR DIR) or run nsj outside the chroot");
		return nsj_set_error(NSJ_EXIT_FAILURE, "making / private: %s", strerror(errno));
	}
	nsj_debugf("private mount namespace ready");
	return nsj_attach_root(req);
}

/* Step 4: every namespace but user; the user namespace fd is returned. */
static int join_namespaces(struct nsj_request *req, int *userfd)
{
	size_t i;

	*userfd = -1;
	for (i = 0; i < req->nns; i++) {
		struct nsj_ns *ns = &req->ns[i];

		if (ns->type == CLONE_NEWUSER) {
			*userfd = ns->fd;
			continue;
		}
		if (setns(ns->fd, ns->type) < 0)
			return nsj_set_error(NSJ_EXIT_FAILURE, "joining the %s namespace: %s", nsj_ns_name(ns->type),
					 strerror(errno));
		nsj_debugf("joined %s namespace (fd %d)", nsj_ns_name(ns->type), ns->fd);
		close(ns->fd);
	}
	return 0;
}

/*
 * After setns(CLONE_NEWPID) the process's children go to the target's pid
 * namespace, and the kernel refuses new threads (EINVAL) while that differs
 * from the process's own: the Go runtime could not start. Before returning
 * to Go with an error, the pid namespace for children is set back to nsj's
 * own; if even that fails, the error is printed here.
 */
static int own_pidns = -1;

static void restore_pidns(void)
{
	if (own_pidns < 0)
		return;
	if (setns(own_pidns, CLONE_NEWPID) < 0) {
		dprintf(STDERR_FILENO, "nsj: %s\n", nsj_result.message);
		_exit(nsj_result.exit_code ? nsj_result.exit_code : NSJ_EXIT_FAILURE);
	}
	close(own_pidns);
	own_pidns = -1;
}

/*
 * A failure after step 2: the --root-at tree goes (in the private view),
 * then nsj returns to its own namespaces, root and working directory, or
 * exits if it cannot.
 */
static void failed(void)
{
	nsj_relay_close();
	nsj_remove_root();
	nsj_restore_namespaces();
	restore_pidns();
}

/* The terminal is handed over only when nsj runs in its foreground. */
static int owns_terminal(void)
{
	return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

__attribute__((constructor)) static void nsj_join(void)
{
	struct nsj_request req;
	int userfd, tty;

	if (getenv(NSJ_ENV_REQUEST) == NULL)
		return;
	nsj_result.active = 1;

	/* Step 1: before anything of the container's can see this process. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		nsj_set_error(NSJ_EXIT_FAILURE, "making nsj non-dumpable: %s", strerror(errno));
		return;
	}
	/* Step 2. */
	if (read_request(&req) < 0)
		return;
	debug_enabled = (req.flags & NSJ_FLAG_DEBUG) != 0;
	unsetenv(NSJ_ENV_REQUEST);
	/* Steps 3 and 4. */
	own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (own_pidns < 0) {
		nsj_set_error(NSJ_EXIT_FAILURE, "opening nsj's own pid namespace: %s", strerror(errno));
		return;
	}
	/* What a failure returns to (restore.c): the Go runtime never starts in the container's. */
	if (nsj_save_namespaces(&req) < 0) {
		nsj_forget_namespaces();
		restore_pidns();
		return;
	}
	/*
	 * --fs container: a pseudo-terminal of the command's own, from the
	 * host's /dev/ptmx (relay.c); into the container's cgroups, before its
	 * cgroup namespace, and the container's oom_score_adj, through the
	 * host's /proc (confine.c).
	 */
	if (nsj_relay_open(&req) < 0 || nsj_join_cgroups(&req) < 0 || nsj_adopt_oom_score_adj(&req) < 0 || private_mounts(&req) < 0 || join_namespaces(&req, &userfd) < 0) {
		failed();
		return;
	}
	/* Steps 5 and 6: nsj_run_parent only returns on a failure before the exec. */
	tty = owns_terminal() && !nsj_relay_active(); /* job control on the operator's terminal */
	nsj_run_parent(&req, userfd, tty, own_pidns);
	failed();
}
