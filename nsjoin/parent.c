/*
 * parent.c: forks the child and stays with it as a small waiting process,
 * without the Go runtime: it forwards signals, follows job control on a
 * terminal (or relays the command's own: relay.c), and exits with the
 * child's status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/* The child stopped (^Z): stop as well, so the caller's shell sees the job stop. */
static void follow_stop(pid_t child, int tty)
{
	if (!tty)
		return;
	tcsetpgrp(STDIN_FILENO, getpgrp());
	kill(getpid(), SIGSTOP);
	/* Continued (fg or bg): the terminal goes back only if it is ours again. */
	if (tcgetpgrp(STDIN_FILENO) == getpgrp())
		tcsetpgrp(STDIN_FILENO, child);
	kill(-child, SIGCONT);
}

/* Whom forward() signals (signals_to). */
enum forward_to {
	TO_COMMAND,       /* the command alone */
	TO_OWN_GROUP,     /* nsj --all: this process's group, which the command shares */
	TO_COMMAND_GROUP, /* the command's own session: its process group */
};

/*
 * Forwards sig to the command, or to the group of processes it belongs to
 * and whatever it started shares (see signals_to). kill(0, sig) queues the
 * signal for this process too (blocked here) before it returns; that copy
 * is taken back at once, or the loop below would forward it again and again.
 */
static void forward(pid_t child, enum forward_to to, int sig)
{
	static const struct timespec now = { 0, 0 };
	sigset_t own;

	if (to != TO_OWN_GROUP) {
		kill(to == TO_COMMAND_GROUP ? -child : child, sig);
		return;
	}
	kill(0, sig);
	sigemptyset(&own);
	sigaddset(&own, sig);
	(void)TEMP_FAILURE_RETRY(sigtimedwait(&own, NULL, &now)); /* EAGAIN: none was queued */
}

/* Waits for the child and returns its exit status (128+N for signal N). */
static int wait_child(pid_t child, int tty, enum forward_to to, const sigset_t *waitset)
{
	for (;;) {
		int status, sig;
		pid_t r;
		size_t i;

		sig = TEMP_FAILURE_RETRY(sigwaitinfo(waitset, NULL));
		if (sig < 0)
			continue;
		for (i = 0; i < N_ELEMENTS(forwarded); i++)
			if (sig == forwarded[i])
				forward(child, to, sig);
		if (sig != SIGCHLD)
			continue;
		while ((r = waitpid(child, &status, WNOHANG | (tty ? WUNTRACED : 0))) > 0) {
			if (WIFSTOPPED(status)) {
				follow_stop(child, tty);
				continue;
			}
			if (tty)
				tcsetpgrp(STDIN_FILENO, getpgrp());
			if (WIFSIGNALED(status))
				return 128 + WTERMSIG(status);
			return WEXITSTATUS(status);
		}
	}
}

/* Turns the child's report of a failure before exec into the error for Go. */
static void child_failed(const struct nsj_request *req, const struct nsj_child_error *e)
{
	const char *why = strerror(e->err);

	switch (e->stage) {
	case NSJ_STAGE_PARENT_GONE:
		nsj_set_error(NSJ_EXIT_FAILURE, "nsj exited before the command started");
		break;
	case NSJ_STAGE_TERMINAL:
		nsj_set_error(NSJ_EXIT_FAILURE, "handing the terminal to the command: %s", why);
		break;
	case NSJ_STAGE_SESSION:
		nsj_set_error(NSJ_EXIT_FAILURE, "starting a session of its own for the command (setsid): %s", why);
		break;
	case NSJ_STAGE_PROC:
		nsj_set_error(NSJ_EXIT_FAILURE, "mounting /proc for the target's pid namespace: %s", why);
		break;
	case NSJ_STAGE_SYSFS:
		nsj_set_error(NSJ_EXIT_FAILURE, "mounting /sys for the target's network namespace: %s", why);
		break;
	case NSJ_STAGE_DIR:
		if (req->flags & NSJ_FLAG_CONTAINER_FS)
			nsj_set_error(NSJ_EXIT_FAILURE, "changing to directory %s in the container: %s; -w names a directory inside the container (links out of it are refused)",
				      req->dir, why);
		else
			nsj_set_error(NSJ_EXIT_FAILURE, "changing to directory %s: %s", req->dir, why);
		break;
	case NSJ_STAGE_USER:
		nsj_set_error(NSJ_EXIT_FAILURE, "joining the user namespace: %s", why);
		break;
	case NSJ_STAGE_TTY_FILTER:
		nsj_set_error(NSJ_EXIT_FAILURE, "installing the seccomp filter that keeps the command from typing into the terminal (TIOCSTI): %s; nsj needs CAP_SYS_ADMIN and a kernel with CONFIG_SECCOMP_FILTER",
			      why);
		break;
	case NSJ_STAGE_USER_CREDS:
		nsj_user_creds_failed(e->err);
		break;
	case NSJ_STAGE_RLIMIT:
	case NSJ_STAGE_CAPS:
	case NSJ_STAGE_IDS:
	case NSJ_STAGE_NO_NEW_PRIVS:
	case NSJ_STAGE_SECCOMP:
		nsj_confine_failed(e->stage, why);
		break;
	case NSJ_STAGE_EXEC:
		nsj_set_error(e->err == ENOENT ? NSJ_EXIT_NOT_FOUND : NSJ_EXIT_NOT_EXECUTABLE, "%s: %s", req->path,
			      e->err == ENOENT ? "no such file or directory (or a missing interpreter)" : why);
		break;
	default:
		nsj_set_error(NSJ_EXIT_FAILURE, "preparing the command: %s", why);
	}
}

/*
 * nsj --all (NSJ_FLAG_SIGNAL_GROUP) starts each task's nsj as the leader of
 * a session of its own, without a terminal (spawn.go); the command stays in
 * its process group (the child starts no session: new_session), and so does
 * whatever the command starts unless it leaves, so that the runner can kill
 * the whole group. Signals are forwarded to that group, so that a Ctrl-C
 * stops `sh -c 'sleep 100; echo'` whole, not only its sh.
 */
static int leads_all_session(const struct nsj_request *req)
{
	return (req->flags & NSJ_FLAG_SIGNAL_GROUP) && getsid(0) == getpid();
}

/*
 * Whether the child starts a session of its own, without a controlling
 * terminal (child.c). Every command does, as under runc, but:
 *   - on the operator's terminal (tty: host privileges, nsj in the
 *     foreground), the command gets the terminal's job control instead;
 *   - under the relay, the child starts a session on its own pty (relay.c);
 *   - under nsj --all, this process's session is already new (above);
 *   - with host privileges and one of fds 0-2 a terminal while nsj is in the
 *     background, the command stays in nsj's job: a session of its own would
 *     let it read the terminal behind the shell's back (no SIGTTIN).
 * Under --fs container without --privileged the relay takes every case
 * where one of fds 0-2 is a terminal: its command always gets a session.
 */
static int new_session(const struct nsj_request *req, int tty)
{
	int fd;

	if (tty || nsj_relay_active() || leads_all_session(req))
		return 0;
	for (fd = 0; fd < 3; fd++)
		if (isatty(fd))
			return 0;
	return 1;
}

/*
 * Whom the signals nsj gets go to: the group that nsj --all's process leads
 * (leads_all_session), the command's own group when it has a session of its
 * own (as a terminal's ^C reached the whole job before), else the command.
 */
static enum forward_to signals_to(const struct nsj_request *req, int session)
{
	if (leads_all_session(req))
		return TO_OWN_GROUP;
	return session ? TO_COMMAND_GROUP : TO_COMMAND;
}

static int joins_pid(const struct nsj_request *req)
{
	size_t i;

	for (i = 0; i < req->nns; i++)
		if (req->ns[i].type == CLONE_NEWPID)
			return 1;
	return 0;
}

void nsj_run_parent(const struct nsj_request *req, int userfd, int tty, int ownpidns)
{
	sigset_t waitset, blockset, oldmask;
	struct nsj_child_error e;
	int pipefd[2], status, session = new_session(req, tty);
	size_t i;
	ssize_t n;
	pid_t child, self = getpid();

	/* Signals are blocked before the fork so that none is lost; the child restores oldmask. */
	sigemptyset(&waitset);
	for (i = 0; i < N_ELEMENTS(forwarded); i++)
		sigaddset(&waitset, forwarded[i]);
	sigaddset(&waitset, SIGCHLD);
	blockset = waitset;
	sigaddset(&blockset, SIGTTOU); /* tcsetpgrp from the background */
	sigaddset(&blockset, SIGWINCH); /* relay.c reads it from a signalfd */
	if (sigprocmask(SIG_BLOCK, &blockset, &oldmask) < 0) {
		nsj_set_error(NSJ_EXIT_FAILURE, "blocking signals: %s", strerror(errno));
		return;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		nsj_set_error(NSJ_EXIT_FAILURE, "creating a pipe: %s", strerror(errno));
		goto restore;
	}

	child = fork();
	if (child < 0) {
		/* A pid namespace whose init has exited refuses new members with ENOMEM. */
		if (errno == ENOMEM && joins_pid(req))
			nsj_set_error(NSJ_EXIT_FAILURE, "the target exited: its pid namespace has no init process left");
		else
			nsj_set_error(NSJ_EXIT_FAILURE, "forking the command: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		goto restore;
	}
	if (child == 0) {
		close(pipefd[0]);
		close(ownpidns);
		nsj_forget_namespaces();
		nsj_run_child(req, userfd, pipefd[1], tty, session, joins_pid(req) ? 0 : self, &oldmask);
	}
	nsj_debugf("forked the command as pid %d", child);
	close(pipefd[1]);
	if (userfd >= 0)
		close(userfd);

	n = TEMP_FAILURE_RETRY(read(pipefd[0], &e, sizeof(e)));
	close(pipefd[0]);
	if (n == sizeof(e)) {
		(void)TEMP_FAILURE_RETRY(waitpid(child, &status, 0));
		if (tty)
			tcsetpgrp(STDIN_FILENO, getpgrp());
		child_failed(req, &e);
		goto restore;
	}
	nsj_forget_namespaces(); /* the command runs: no way back is needed */
	if (nsj_relay_active())
		status = nsj_relay_wait(child, &waitset);
	else
		status = wait_child(child, tty, signals_to(req, session), &waitset);
	nsj_remove_root();
	_exit(status);
restore:
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
}
