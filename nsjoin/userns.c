/*
 * userns.c: joining the container's user namespace (--ns user), last, in the
 * child, and becoming that namespace's root, as nsenter -U does.
 *
 * setns(CLONE_NEWUSER) gives the caller a full set of capabilities in the
 * namespace but leaves its uids alone: nsj's host uid 0, which a
 * container's namespace does not map (it shows as 65534), and the kernel
 * grants capabilities at exec only to the namespace's own root. So the
 * command would run as host root without any capability in the container:
 * useless for tcpdump or ip, and, worse, within reach of a container that
 * holds CAP_SYS_PTRACE in its namespace, which could make it write the
 * host's root-owned files. Becoming uid/gid 0 of the namespace gives the
 * command the container root's powers, and no more: its files are owned by
 * the container's mapped root on the host.
 *
 * --preserve-credentials (NSJ_FLAG_KEEP_CREDS) keeps nsj's credentials, as
 * nsenter's option of that name does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/*
 * Becomes uid and gid 0 of the joined user namespace. setresgid comes first:
 * after setresuid the process is no longer allowed to change its gid. With
 * the namespace's root uid as effective uid, the kernel keeps the effective
 * capabilities in the namespace (cap_emulate_setxuid sees no root lost) and
 * execve grants the full permitted set again.
 */
static int become_root(void)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -1;
	return 0;
}

int nsj_enter_user(const struct nsj_request *req, int userfd)
{
	int keep = (req->flags & NSJ_FLAG_KEEP_CREDS) != 0;

	/*
	 * 1. Drop nsj's supplementary groups while still in the host's user
	 *    namespace, where root may always do so. A namespace whose
	 *    /proc/PID/setgroups says "deny" would refuse it after the setns;
	 *    groups are the kernel's, not the namespace's, so an empty list
	 *    stays empty there. (nsenter tries before and after for that reason.)
	 */
	if (!keep && setgroups(0, NULL) < 0)
		return NSJ_STAGE_USER_CREDS;
	/* 2. Join: from here on nsj's host capabilities are gone. */
	if (setns(userfd, CLONE_NEWUSER) < 0)
		return NSJ_STAGE_USER;
	nsj_debugf("joined user namespace (fd %d)", userfd);
	if (keep) {
		nsj_debugf("keeping nsj's credentials in the user namespace (--preserve-credentials)");
		return 0;
	}
	/* 3. Become the namespace's root; EINVAL: it maps no uid or gid 0. */
	if (become_root() < 0)
		return NSJ_STAGE_USER_CREDS;
	nsj_debugf("uid and gid 0 in the user namespace");
	return 0;
}

/* The parent's message for a failure of nsj_enter_user at NSJ_STAGE_USER_CREDS. */
void nsj_user_creds_failed(int err)
{
	if (err == EINVAL)
		nsj_set_error(NSJ_EXIT_FAILURE, "becoming root of the container's user namespace: it maps no uid or gid 0; add --preserve-credentials to keep nsj's own (without capabilities in it)");
	else
		nsj_set_error(NSJ_EXIT_FAILURE, "becoming root of the container's user namespace: %s", strerror(err));
}
