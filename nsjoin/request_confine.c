/*
 * request_confine.c: decoding the confinement records of a join request
 * (CREDS, then RLIMIT, SECCOMP, CGROUP, OOM_SCORE_ADJ; see nsjoin.h) and the rules that tie them
 * to --fs container. Pure, like request.c: no system calls.
 */
#define _GNU_SOURCE
#include <string.h>

#include "nsjoin.h"
#include "request_internal.h"

#define CREDS_FIXED_LEN (5 * 8 + 4 * 4)
#define RLIMIT_LEN 24
#define FILTER_INSN_LEN 8

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int parse_creds(const unsigned char *p, uint32_t n, struct nsj_confine *c,
		       char *err, size_t errlen)
{
	uint32_t bits, count;
	int i;

	if (c->present)
		return fail(err, errlen, "credentials given twice");
	if (n < CREDS_FIXED_LEN)
		return fail(err, errlen, "credentials record has %u bytes", n);
	count = get_u32(p + 52);
	if (count > NSJ_MAX_GROUPS || n != CREDS_FIXED_LEN + 4 * count)
		return fail(err, errlen, "credentials record of %u bytes with %u groups", n, count);
	bits = get_u32(p + 48);
	if (bits & ~NSJ_CREDS_NO_NEW_PRIVS)
		return fail(err, errlen, "unknown credential bits %#x", bits);
	for (i = 0; i < 5; i++)
		c->caps[i] = get_u64(p + 8 * i);
	c->uid = get_u32(p + 40);
	c->gid = get_u32(p + 44);
	c->no_new_privs = (bits & NSJ_CREDS_NO_NEW_PRIVS) != 0;
	c->groups = p + CREDS_FIXED_LEN;
	c->ngroups = count;
	c->present = 1;
	return 0;
}

static int parse_rlimit(const unsigned char *p, uint32_t n, struct nsj_confine *c,
			char *err, size_t errlen)
{
	uint32_t resource;
	size_t i;

	if (n != RLIMIT_LEN || get_u32(p + 4) != 0)
		return fail(err, errlen, "rlimit record has %u bytes", n);
	resource = get_u32(p);
	if (resource >= NSJ_MAX_RLIMITS)
		return fail(err, errlen, "rlimit resource %u unknown", resource);
	for (i = 0; i < c->nrlimits; i++)
		if (c->rlimits[i].resource == (int)resource)
			return fail(err, errlen, "rlimit resource %u given twice", resource);
	c->rlimits[c->nrlimits].resource = resource;
	c->rlimits[c->nrlimits].soft = get_u64(p + 8);
	c->rlimits[c->nrlimits].hard = get_u64(p + 16);
	if (c->rlimits[c->nrlimits].soft > c->rlimits[c->nrlimits].hard)
		return fail(err, errlen, "rlimit resource %u: soft limit above the hard one", resource);
	c->nrlimits++;
	return 0;
}

/* p[n] was made NUL by the caller: the path is p[4:n]. */
static int parse_cgroup(const unsigned char *p, uint32_t n, struct nsj_request *req,
			char *err, size_t errlen)
{
	struct nsj_confine *c = &req->confine;
	uint32_t fd;

	if (n < 5 || memchr(p + 4, '\0', n - 4) != NULL)
		return fail(err, errlen, "cgroup record without a path, or with a NUL byte");
	if (c->ncgroups == NSJ_MAX_CGROUPS)
		return fail(err, errlen, "more than %d cgroups", NSJ_MAX_CGROUPS);
	fd = get_u32(p);
	if (fd < 3 || fd > NSJ_MAX_FD || nsj_fd_taken(req, fd))
		return fail(err, errlen, "cgroup fd %u out of range or given twice", fd);
	c->cgroups[c->ncgroups].fd = fd;
	c->cgroups[c->ncgroups].path = (const char *)p + 4;
	c->ncgroups++;
	return 0;
}

static int parse_oom_score_adj(const unsigned char *p, uint32_t n, struct nsj_confine *c,
			       char *err, size_t errlen)
{
	int32_t v;

	if (n != 4 || c->has_oom_score_adj)
		return fail(err, errlen, "oom_score_adj record of %u bytes, or given twice", n);
	v = (int32_t)get_u32(p);
	if (v < -NSJ_OOM_SCORE_ADJ_MAX || v > NSJ_OOM_SCORE_ADJ_MAX)
		return fail(err, errlen, "oom_score_adj %d out of range", v);
	c->oom_score_adj = v;
	c->has_oom_score_adj = 1;
	return 0;
}

int nsj_parse_confine(uint16_t kind, const unsigned char *p, uint32_t n, struct nsj_request *req,
		      char *err, size_t errlen)
{
	struct nsj_confine *c = &req->confine;

	if (kind != NSJ_KIND_CREDS && !c->present)
		return fail(err, errlen, "rlimits, a seccomp filter, cgroups and oom_score_adj come after the credentials");
	switch (kind) {
	case NSJ_KIND_CREDS:
		return parse_creds(p, n, c, err, errlen);
	case NSJ_KIND_RLIMIT:
		return parse_rlimit(p, n, c, err, errlen);
	case NSJ_KIND_SECCOMP:
		if (c->filter != NULL || n == 0 || n % FILTER_INSN_LEN != 0 || n / FILTER_INSN_LEN > NSJ_MAX_FILTER)
			return fail(err, errlen, "seccomp filter of %u bytes, or given twice", n);
		c->filter = p;
		c->nfilter = n / FILTER_INSN_LEN;
		return 0;
	case NSJ_KIND_CGROUP:
		return parse_cgroup(p, n, req, err, errlen);
	case NSJ_KIND_OOM_SCORE_ADJ:
		return parse_oom_score_adj(p, n, c, err, errlen);
	}
	return fail(err, errlen, "unknown record kind %u", kind);
}

/* The rules across records, once every record is read. */
int nsj_check_confine(const struct nsj_request *req, char *err, size_t errlen)
{
	const struct nsj_confine *c = &req->confine;
	int container = (req->flags & NSJ_FLAG_CONTAINER_FS) != 0;
	int host = (req->flags & NSJ_FLAG_HOST_PRIVILEGES) != 0;

	if ((c->present || host) && !container)
		return fail(err, errlen, "credentials and host privileges go with the container-filesystem flag only");
	if (container && c->present == host)
		return fail(err, errlen, "the container-filesystem flag needs a confinement (credentials) or host privileges");
	if (c->present && !c->has_oom_score_adj)
		return fail(err, errlen, "credentials without the container's oom_score_adj");
	return 0;
}
