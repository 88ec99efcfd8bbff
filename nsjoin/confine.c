/*
 * confine.c: --fs container leaves a host binary among the container's
 * files, where the container's processes can reach it and where whatever it
 * executes comes from the container. So, as `runc exec` does, the command
 * gets the container's own privileges, never more (docs/security.md):
 *
 *   in the constructor, before any namespace is joined (nsj_join_cgroups):
 *     0. it moves itself into the container's cgroups, by writing "0" to
 *        their cgroup.procs files, opened by the Go side. It is still in
 *        nsj's cgroup namespace, which must see both ends of the move on
 *        cgroup v2. The child inherits them: the container's limits bind it.
 *     0b. it gives itself the container's oom_score_adj, through the host's
 *        /proc (nsj_adopt_oom_score_adj). Not later, in the child: there
 *        /proc is the container's, a tree its root may have mounted over,
 *        and after setns(user) lowering the score would need a capability
 *        the child no longer has. The child inherits it (fork copies it),
 *        as a `runc exec` process inherits the container's. nsj's waiting
 *        parent keeps it too: it is already in the container's cgroups.
 *
 *   in the child, after its fds are closed, just before exec (nsj_confine),
 *   in runc's order:
 *     1. the container's rlimits, none above nsj's own;
 *     2. the bounding set, while CAP_SETPCAP still allows dropping from it;
 *     3. without no_new_privs, the seccomp filter now: installing it needs
 *        CAP_SYS_ADMIN then, so the filter sees the system calls below, as
 *        runc's does;
 *     4. the supplementary groups, gid and uid (PR_SET_KEEPCAPS keeps the
 *        permitted set across setresuid, until step 5 sets it);
 *     5. the effective, permitted and inheritable sets (capset);
 *     6. the ambient set;
 *     7. no_new_privs, then the seccomp filter, if the container has both.
 *
 * Every step is checked; a failure is reported to the parent with its stage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

enum { BOUNDING, EFFECTIVE, PERMITTED, INHERITABLE, AMBIENT };

static int write_all(int fd, const char *s, size_t n)
{
	ssize_t w = TEMP_FAILURE_RETRY(write(fd, s, n));

	return w == (ssize_t)n ? 0 : -1;
}

/* Step 0, in the constructor: "0" moves the writing process. */
int nsj_join_cgroups(const struct nsj_request *req)
{
	const struct nsj_confine *c = &req->confine;
	size_t i;

	for (i = 0; i < c->ncgroups; i++) {
		if (write_all(c->cgroups[i].fd, "0", 1) < 0)
			return nsj_set_error(NSJ_EXIT_FAILURE, "joining the container's cgroup %s: %s",
					     c->cgroups[i].path, strerror(errno));
		nsj_debugf("joined cgroup %s", c->cgroups[i].path);
		close(c->cgroups[i].fd);
	}
	return 0;
}

/*
 * Step 0b: the value the Go side read from the target (its init for a
 * container), which the container's own processes inherit. Below the
 * least nsj may set itself (oom_score_adj_min), only CAP_SYS_RESOURCE lets
 * the score down; without it the kernel says EACCES and nsj keeps its own,
 * higher score: the command is the likelier victim, never the less likely.
 */
int nsj_adopt_oom_score_adj(const struct nsj_request *req)
{
	const struct nsj_confine *c = &req->confine;
	char buf[16];
	int n, fd NSJ_AUTOCLOSE = -1;

	if (!c->present)
		return 0;
	n = snprintf(buf, sizeof(buf), "%d\n", c->oom_score_adj);
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return nsj_set_error(125, "opening nsj's own /proc/self/oom_score_adj: %s", strerror(errno));
	/* procfs takes or refuses the value in write(2): its close has nothing to add. */
	if (write_all(fd, buf, (size_t)n) < 0) {
		if (errno != EACCES)
			return nsj_set_error(125, "giving the command the container's oom_score_adj %d: %s; use --privileged to keep nsj's",
					     c->oom_score_adj, strerror(errno));
		nsj_debugf("oom_score_adj %d is below what nsj may set without CAP_SYS_RESOURCE: nsj's own, higher, stays",
			   c->oom_score_adj);
		return 0;
	}
	nsj_debugf("oom_score_adj %d, the container's", c->oom_score_adj);
	return 0;
}

/*
 * Step 1: never above nsj's own hard limit, which only CAP_SYS_RESOURCE
 * could raise: the command gets the lower of the two.
 */
static int set_rlimits(const struct nsj_confine *c)
{
	size_t i;

	for (i = 0; i < c->nrlimits; i++) {
		struct rlimit rl, cur;

		if (getrlimit(c->rlimits[i].resource, &cur) < 0)
			return -1;
		rl.rlim_max = c->rlimits[i].hard < cur.rlim_max ? c->rlimits[i].hard : cur.rlim_max;
		rl.rlim_cur = c->rlimits[i].soft < rl.rlim_max ? c->rlimits[i].soft : rl.rlim_max;
		if (setrlimit(c->rlimits[i].resource, &rl) < 0)
			return -1;
	}
	return 0;
}

/* Step 2: every capability the kernel knows (PR_CAPBSET_READ says EINVAL past the last). */
static int drop_bounding(uint64_t keep)
{
	int cap;

	for (cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				return 0;
			return -1;
		}
		if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -1;
	}
	return 0;
}

/* Steps 3 and 7: the filter, copied out of the arena to an aligned buffer. */
static int install_filter(const struct nsj_confine *c)
{
	struct sock_fprog prog = { .len = c->nfilter };
	int ret;

	prog.filter = malloc(c->nfilter * sizeof(struct sock_filter));
	if (prog.filter == NULL)
		return -1;
	memcpy(prog.filter, c->filter, c->nfilter * sizeof(struct sock_filter));
	ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	if (ret < 0 && errno == ENOSYS)
		ret = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	free(prog.filter);
	return ret;
}

/* Step 4. */
static int set_ids(const struct nsj_confine *c)
{
	gid_t *groups = NULL;
	size_t i;
	int ret;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -1;
	if (c->ngroups > 0 && (groups = calloc(c->ngroups, sizeof(gid_t))) == NULL)
		return -1;
	for (i = 0; i < c->ngroups; i++)
		memcpy(&groups[i], c->groups + 4 * i, 4);
	ret = setgroups(c->ngroups, groups);
	free(groups);
	if (ret < 0 || setresgid(c->gid, c->gid, c->gid) < 0 || setresuid(c->uid, c->uid, c->uid) < 0)
		return -1;
	return prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
}

/* Step 5. */
static int set_caps(const struct nsj_confine *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int i;

	for (i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(c->caps[EFFECTIVE] >> (32 * i));
		data[i].permitted = (uint32_t)(c->caps[PERMITTED] >> (32 * i));
		data[i].inheritable = (uint32_t)(c->caps[INHERITABLE] >> (32 * i));
	}
	return syscall(SYS_capset, &hdr, data);
}

/* Step 6. */
static int set_ambient(uint64_t ambient)
{
	int cap;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -1;
	for (cap = 0; cap < 64; cap++)
		if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -1;
	return 0;
}

int nsj_confine(const struct nsj_request *req, int *stage)
{
	const struct nsj_confine *c = &req->confine;

	if (!c->present)
		return 0;
	*stage = NSJ_STAGE_RLIMIT;
	if (set_rlimits(c) < 0)
		return -1;
	*stage = NSJ_STAGE_CAPS;
	if (drop_bounding(c->caps[BOUNDING]) < 0)
		return -1;
	*stage = NSJ_STAGE_SECCOMP;
	if (!c->no_new_privs && c->filter != NULL && install_filter(c) < 0)
		return -1;
	*stage = NSJ_STAGE_IDS;
	if (set_ids(c) < 0)
		return -1;
	*stage = NSJ_STAGE_CAPS;
	if (set_caps(c) < 0 || set_ambient(c->caps[AMBIENT]) < 0)
		return -1;
	nsj_debugf("confined to uid %u gid %u, effective capabilities %#llx%s", c->uid, c->gid,
		   (unsigned long long)c->caps[EFFECTIVE], c->filter != NULL ? ", seccomp filter" : "");
	if (!c->no_new_privs)
		return 0;
	*stage = NSJ_STAGE_NO_NEW_PRIVS;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	*stage = NSJ_STAGE_SECCOMP;
	return c->filter != NULL ? install_filter(c) : 0;
}

/* The parent's message for a child that failed in nsj_confine. */
void nsj_confine_failed(int stage, const char *why)
{
	static const char *hint = "; the container's own processes start with the same settings (its OCI spec), or use --privileged to keep the host's";

	switch (stage) {
	case NSJ_STAGE_RLIMIT:
		nsj_set_error(NSJ_EXIT_FAILURE, "setting the container's resource limits: %s%s", why, hint);
		break;
	case NSJ_STAGE_CAPS:
		nsj_set_error(NSJ_EXIT_FAILURE, "setting the container's capabilities: %s%s", why, hint);
		break;
	case NSJ_STAGE_IDS:
		nsj_set_error(NSJ_EXIT_FAILURE, "taking the container's user, group and supplementary groups: %s%s", why, hint);
		break;
	case NSJ_STAGE_NO_NEW_PRIVS:
		nsj_set_error(NSJ_EXIT_FAILURE, "setting no_new_privs as the container does: %s", why);
		break;
	default:
		nsj_set_error(NSJ_EXIT_FAILURE, "installing the container's seccomp filter: %s (the filter applies from then on: it must allow setgroups, setresuid, capset, prctl and execveat)%s", why, hint);
	}
}
