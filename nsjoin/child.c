/*
 * child.c: the process that becomes the host command. It is forked after the
 * parent joined the namespaces, so it is the first process to live in the
 * target's pid namespace. It prepares its view and execs; a failure is
 * written to the parent through errfd (close-on-exec, so a successful exec
 * shows as end-of-file) and the child exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define PROC_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static void __attribute__((noreturn)) report(int errfd, int stage)
{
	struct nsj_child_error e = { .stage = stage, .err = errno };

	/* Nothing to do if it fails: the parent then sees the pipe closed without a report. */
	(void)TEMP_FAILURE_RETRY(write(errfd, &e, sizeof(e)));
	_exit(NSJ_EXIT_FAILURE);
}

/* close_range(first, last), where first > last is an empty range. */
static int close_between(unsigned int first, unsigned int last)
{
	return first > last ? 0 : syscall(SYS_close_range, first, last, 0);
}

/*
 * Closes every fd from 3 up but keep and keep2 (0: none; with --fs container
 * the binary to execute); close_range(2) where the kernel has it.
 */
static int close_other_fds(int keep, int keep2)
{
	int lo = keep, hi = keep2 > 0 ? keep2 : keep;
	struct rlimit rl;
	int fd;

	if (hi < lo) {
		lo = hi;
		hi = keep;
	}
	if (close_between(3, lo - 1) == 0 && close_between(lo + 1, hi - 1) == 0 &&
	    close_between(hi + 1, ~0U) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	nsj_debugf("fallback: close_range unavailable (it needs Linux 5.9): closing fds one by one");
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	for (fd = 3; fd < (int)rl.rlim_cur && fd <= NSJ_MAX_FD; fd++)
		if (fd != keep && fd != keep2)
			close(fd);
	return 0;
}

/*
 * If nsj dies, so does the command; and if it already died, stop here. The
 * kernel clears the setting when the process's uid or gid changes (--ns
 * user), so it is made again after that.
 */
static void die_with_parent(int errfd, pid_t expected_ppid)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		report(errfd, NSJ_STAGE_SETUP);
	if (getppid() != expected_ppid) {
		errno = ESRCH;
		report(errfd, NSJ_STAGE_PARENT_GONE);
	}
}

void nsj_run_child(const struct nsj_request *req, int userfd, int errfd, int tty, int session,
		   pid_t expected_ppid, const sigset_t *mask)
{
	int stage;

	die_with_parent(errfd, expected_ppid);
	/* Orphans of the command are reaped by it, not left to the container's init. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		report(errfd, NSJ_STAGE_SETUP);

	/*
	 * A process group of its own, in the terminal's foreground: inside the
	 * pid namespace the caller's group is invisible (tcgetpgrp returns 0),
	 * and shells then turn job control off. SIGTTOU is still blocked here.
	 */
	if (tty && (setpgid(0, 0) < 0 || tcsetpgrp(STDIN_FILENO, getpgrp()) < 0))
		report(errfd, NSJ_STAGE_TERMINAL);
	/* Or, under --fs container, a session on a pseudo-terminal of its own (relay.c). */
	if (nsj_relay_child() < 0)
		report(errfd, NSJ_STAGE_TERMINAL);
	/*
	 * Or a session of its own without a controlling terminal, as runc gives
	 * every process it starts: the operator's terminal stays out of reach
	 * even when none of fds 0-2 is a terminal (/dev/tty would still open
	 * it). The child is no group leader, so setsid cannot fail with EPERM.
	 */
	if (session && setsid() < 0)
		report(errfd, NSJ_STAGE_SESSION);

	/*
	 * No typing into the operator's terminal, by the command or anything it
	 * starts (ttyfilter.c). Before setns(user): without no_new_privs a
	 * filter takes CAP_SYS_ADMIN in the user namespace the process is in.
	 */
	if (nsj_tty_filter() < 0)
		report(errfd, NSJ_STAGE_TTY_FILTER);
	nsj_debugf("seccomp filter installed: TIOCSTI and TIOCLINUX fail with EPERM");

	/* This process is in the pid namespace: /proc/self is right only if it mounts. */
	if ((req->flags & NSJ_FLAG_MOUNT_PROC) &&
	    mount("proc", "/proc", "proc", PROC_FLAGS, NULL) < 0)
		report(errfd, NSJ_STAGE_PROC);
	/* sysfs shows the network devices of the mounter's network namespace. */
	if ((req->flags & NSJ_FLAG_MOUNT_SYSFS) &&
	    mount("sysfs", "/sys", "sysfs", PROC_FLAGS, NULL) < 0)
		report(errfd, NSJ_STAGE_SYSFS);
	if (nsj_change_dir(req) < 0)
		report(errfd, NSJ_STAGE_DIR);

	/*
	 * Last: after it, the host's capabilities over the mounts above are
	 * gone. The command becomes the namespace's root (userns.c).
	 */
	if (userfd >= 0) {
		if ((stage = nsj_enter_user(req, userfd)) != 0)
			report(errfd, stage);
		die_with_parent(errfd, expected_ppid);
	}

	if (close_other_fds(errfd, req->exec_fd) < 0)
		report(errfd, NSJ_STAGE_CLOSE);
	if (sigprocmask(SIG_SETMASK, mask, NULL) < 0)
		report(errfd, NSJ_STAGE_SETUP);
	/*
	 * --fs container: the container's privileges, never more (confine.c).
	 * A change of uid or gid clears the parent-death signal: set it again.
	 */
	if (nsj_confine(req, &stage) < 0)
		report(errfd, stage);
	die_with_parent(errfd, expected_ppid);
	nsj_debugf("executing %s", req->path);
	nsj_exec(req);
	report(errfd, NSJ_STAGE_EXEC);
}
