/* internal.h: what the constructor's C files share with each other. */
#ifndef NSJOIN_INTERNAL_H
#define NSJOIN_INTERNAL_H

#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include "nsjoin.h"

/*
 * TEMP_FAILURE_RETRY(call): the call again while it fails with EINTR; its
 * result otherwise. glibc defines it under _GNU_SOURCE; musl and others
 * may not.
 */
#ifndef TEMP_FAILURE_RETRY
#define TEMP_FAILURE_RETRY(call)                                \
	(__extension__({                                        \
		long int nsj_retry_result_;                      \
		do                                               \
			nsj_retry_result_ = (long int)(call);    \
		while (nsj_retry_result_ == -1L && errno == EINTR); \
		nsj_retry_result_;                               \
	}))
#endif

/* The number of elements of array a (an array, not a pointer). */
#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * int fd NSJ_AUTOCLOSE = open(...): fd is closed when it goes out of scope,
 * if it is open (>= 0), and errno stays what the last call left, so that a
 * failure can be reported after the return. Only for fds whose close cannot
 * say anything new (read-only, or a write the kernel has already taken).
 */
static inline void nsj_close_fd(int *fd)
{
	int err = errno;

	if (*fd >= 0)
		close(*fd);
	errno = err;
}
#define NSJ_AUTOCLOSE __attribute__((cleanup(nsj_close_fd)))

/* Where the child was when it failed, reported to the parent through a pipe. */
enum nsj_stage {
	NSJ_STAGE_PARENT_GONE = 1,
	NSJ_STAGE_SETUP,
	NSJ_STAGE_TERMINAL,
	NSJ_STAGE_PROC,
	NSJ_STAGE_SYSFS,
	NSJ_STAGE_DIR,
	NSJ_STAGE_USER,
	NSJ_STAGE_CLOSE,
	NSJ_STAGE_EXEC,
	NSJ_STAGE_TTY_FILTER,
	NSJ_STAGE_USER_CREDS, /* userns.c: setgroups, setresgid, setresuid */
	NSJ_STAGE_RLIMIT, /* confine.c */
	NSJ_STAGE_CAPS,
	NSJ_STAGE_IDS,
	NSJ_STAGE_NO_NEW_PRIVS,
	NSJ_STAGE_SECCOMP,
	NSJ_STAGE_SESSION, /* child.c: setsid */
};

struct nsj_child_error {
	int stage;
	int err; /* errno */
};

void nsj_debugf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int nsj_set_error(int exit_code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *nsj_ns_name(int type);
int nsj_request_sealed(int fd); /* 1: a memfd sealed as Exec seals the request */

/* child.c: never returns; session: start a session of its own (parent.c decides). */
void nsj_run_child(const struct nsj_request *req, int userfd, int errfd, int tty, int session,
		   pid_t expected_ppid, const sigset_t *mask);
/* parent.c: exits with the child's status, or returns after nsj_set_error. */
void nsj_run_parent(const struct nsj_request *req, int userfd, int tty, int ownpidns);

/* restore.c: nsj's own namespaces, root and cwd, saved before joining. */
int nsj_save_namespaces(const struct nsj_request *req);
void nsj_restore_namespaces(void); /* after a failure: back to them, or exit */
void nsj_forget_namespaces(void);  /* the command started: close the saved fds */

/* fs.c: the container's filesystem (--root-at, --fs container). */
int nsj_attach_root(const struct nsj_request *req); /* in the private view, before joining */
void nsj_remove_root(void);                          /* the parent, once the child is gone */
int nsj_change_dir(const struct nsj_request *req);  /* the child: -w; -1 with errno */
void nsj_exec(const struct nsj_request *req);       /* the child: returns only on failure */

/* ttyfilter.c: the seccomp filter against TIOCSTI and TIOCLINUX; -1 with errno. */
int nsj_tty_filter(void);
/* For tests: in a forked child with the filter, the errno of each probe (0: success). */
int nsj_tty_filter_probe(int *errs, int n);
/* userns.c: --ns user. 0, or the failed NSJ_STAGE_* with errno set. */
int nsj_enter_user(const struct nsj_request *req, int userfd);
void nsj_user_creds_failed(int err); /* the parent's message for NSJ_STAGE_USER_CREDS */
/* relay.c: the confined command's own pseudo-terminal, relayed by the parent. */
int nsj_relay_open(const struct nsj_request *req); /* the constructor, before joining */
int nsj_relay_active(void);                        /* 1: the command gets a pseudo-terminal */
void nsj_relay_close(void);                        /* a failure: the pair goes */
int nsj_relay_child(void);                         /* the child: -1 with errno */
int nsj_relay_wait(pid_t child, const sigset_t *waitset); /* the parent: the exit status */
/* confine.c: the container's privileges for --fs container. */
int nsj_join_cgroups(const struct nsj_request *req); /* the constructor, before joining */
int nsj_adopt_oom_score_adj(const struct nsj_request *req); /* likewise */
int nsj_confine(const struct nsj_request *req, int *stage); /* the child; -1 with errno */
void nsj_confine_failed(int stage, const char *why);        /* the parent: sets the error */
/* resolve.c: a directory inside rootfd, as if it were "/"; -1 with errno. */
int nsj_open_dir_in_root(int rootfd, const char *path);

#endif
