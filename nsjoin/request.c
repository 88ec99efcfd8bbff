/*
 * request.c: decoding and validating a join request (see nsjoin.h). Pure: no
 * system calls, so it is tested from Go through a cgo helper and fuzzed.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsjoin.h"
#include "request_internal.h"

int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get_u16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Whether fd is already one of the request's fds (namespaces, root, exec, cgroups). */
static int fd_taken(const struct nsj_request *req, uint32_t fd)
{
	size_t i;

	for (i = 0; i < req->nns; i++)
		if (req->ns[i].fd == (int)fd)
			return 1;
	for (i = 0; i < req->confine.ncgroups; i++)
		if (req->confine.cgroups[i].fd == (int)fd)
			return 1;
	return req->root_ns == (int)fd || req->exec_fd == (int)fd;
}

int nsj_fd_taken(const struct nsj_request *req, uint32_t fd)
{
	return fd_taken(req, fd);
}

/* An absolute path without empty, "." or ".." components, and not "/". */
static int clean_absolute(const char *s)
{
	const char *c = s, *e;
	size_t len;

	if (s[0] != '/' || s[1] == '\0')
		return 0;
	while (*c == '/') {
		e = strchrnul(c + 1, '/');
		len = e - (c + 1);
		if (len == 0 || (len == 1 && c[1] == '.') || (len == 2 && c[1] == '.' && c[2] == '.'))
			return 0;
		c = e;
	}
	return 1;
}

/* ROOT (u32 fd, then a directory) and EXEC_FD (u32 fd) records. */
static int parse_fs_record(uint16_t kind, char *p, uint32_t n, struct nsj_request *req,
			   char *err, size_t errlen)
{
	uint32_t fd;

	if (n < 4 || (kind == NSJ_KIND_EXEC_FD && n != 4))
		return fail(err, errlen, "record of kind %u has %u bytes", kind, n);
	fd = get_u32((unsigned char *)p);
	if (fd < 3 || fd > NSJ_MAX_FD || fd_taken(req, fd))
		return fail(err, errlen, "fd %u out of range or given twice", fd);
	if (kind == NSJ_KIND_EXEC_FD) {
		if (req->exec_fd != 0)
			return fail(err, errlen, "exec fd given twice");
		req->exec_fd = fd;
		return 0;
	}
	/* p[n] was made NUL by the caller: the directory is p[4:n]. */
	if (req->root_ns != 0 || memchr(p + 4, '\0', n - 4) != NULL || !clean_absolute(p + 4))
		return fail(err, errlen, "root directory given twice, or not a clean absolute path other than /");
	req->root_ns = fd;
	req->root_at = p + 4;
	return 0;
}

/* The keep-credentials flag comes only with a user namespace to join. */
static int check_user(const struct nsj_request *req, char *err, size_t errlen)
{
	size_t i;

	if (!(req->flags & NSJ_FLAG_KEEP_CREDS))
		return 0;
	for (i = 0; i < req->nns; i++)
		if (req->ns[i].type == CLONE_NEWUSER)
			return 0;
	return fail(err, errlen, "the keep-credentials flag needs a user namespace to join");
}

/* The rules across records (see nsjoin.h), once every record is read. */
static int check_fs(const struct nsj_request *req, char *err, size_t errlen)
{
	int container = (req->flags & NSJ_FLAG_CONTAINER_FS) != 0;
	size_t i;

	for (i = 0; i < req->nns; i++)
		if (req->ns[i].type == CLONE_NEWNS && !container)
			return fail(err, errlen, "the mount namespace is joined only with the container-filesystem flag");
	if (container != (req->exec_fd != 0))
		return fail(err, errlen, "the container-filesystem flag and the exec fd come together");
	if (container && (req->root_ns != 0 || (req->flags & (NSJ_FLAG_MOUNT_PROC | NSJ_FLAG_MOUNT_SYSFS))))
		return fail(err, errlen, "the container-filesystem flag excludes every mount");
	return 0;
}

/* Appends s to a NULL-terminated vector, growing it. */
static int push(char ***vec, size_t *n, char *s)
{
	char **v = realloc(*vec, (*n + 2) * sizeof(char *));

	if (v == NULL)
		return -1;
	v[*n] = s;
	v[*n + 1] = NULL;
	*vec = v;
	(*n)++;
	return 0;
}

/* One record: checks its payload and stores it in req. */
static int parse_record(uint16_t kind, char *p, uint32_t n, struct nsj_request *req,
			char *err, size_t errlen)
{
	size_t i;

	if (kind == NSJ_KIND_ROOT || kind == NSJ_KIND_EXEC_FD)
		return parse_fs_record(kind, p, n, req, err, errlen);
	if (kind >= NSJ_KIND_CREDS && kind <= NSJ_KIND_OOM_SCORE_ADJ)
		return nsj_parse_confine(kind, (unsigned char *)p, n, req, err, errlen);
	if (kind == NSJ_KIND_NS || kind == NSJ_KIND_FLAGS) {
		if (kind == NSJ_KIND_FLAGS) {
			if (n != 4)
				return fail(err, errlen, "flags record has %u bytes, want 4", n);
			if (req->has_flags++)
				return fail(err, errlen, "flags given twice");
			req->flags = get_u32((unsigned char *)p);
			if (req->flags & ~(uint32_t)NSJ_FLAG_ALL)
				return fail(err, errlen, "unknown flags %#x", req->flags);
			return 0;
		}
		if (n != 8)
			return fail(err, errlen, "namespace record has %u bytes, want 8", n);
		uint32_t fd = get_u32((unsigned char *)p), type = get_u32((unsigned char *)p + 4);
		if (fd < 3 || fd > NSJ_MAX_FD)
			return fail(err, errlen, "namespace fd %u out of range", fd);
		if (nsj_ns_type_of(type) == NULL) /* CLONE_NEWNS: see check_fs */
			return fail(err, errlen, "namespace type %#x is not joinable", type);
		if (req->nns == NSJ_MAX_NAMESPACES)
			return fail(err, errlen, "more than %d namespaces", NSJ_MAX_NAMESPACES);
		for (i = 0; i < req->nns; i++)
			if (req->ns[i].type == (int)type)
				return fail(err, errlen, "namespace type %#x given twice", type);
		if (fd_taken(req, fd))
			return fail(err, errlen, "namespace fd %u given twice", fd);
		req->ns[req->nns].fd = fd;
		req->ns[req->nns].type = type;
		req->nns++;
		return 0;
	}

	/* Every other kind is a string: no NUL inside; p[n] was made NUL by the caller. */
	if (memchr(p, '\0', n) != NULL)
		return fail(err, errlen, "record of kind %u contains a NUL byte", kind);
	switch (kind) {
	case NSJ_KIND_PATH:
		if (req->path != NULL || n == 0)
			return fail(err, errlen, "executable path missing, empty or given twice");
		req->path = p;
		return 0;
	case NSJ_KIND_DIR:
		if (req->dir != NULL || n == 0)
			return fail(err, errlen, "working directory empty or given twice");
		req->dir = p;
		return 0;
	case NSJ_KIND_ARG:
		return push(&req->argv, &req->argc, p) ? fail(err, errlen, "out of memory") : 0;
	case NSJ_KIND_ENV:
		if (strchr(p, '=') == NULL || p[0] == '=')
			return fail(err, errlen, "environment entry %.40s is not KEY=VALUE", p);
		return push(&req->envp, &req->envc, p) ? fail(err, errlen, "out of memory") : 0;
	}
	return fail(err, errlen, "unknown record kind %u", kind);
}

/*
 * Every string payload is copied, with its NUL terminator, into one arena
 * owned by req: a record header is 8 bytes, so len + len/8 + 1 bytes hold
 * every payload plus a terminator each.
 */
int nsj_parse_request(const unsigned char *buf, size_t len, struct nsj_request *req,
		      char *err, size_t errlen)
{
	size_t off = NSJ_HEADER_LEN, used = 0;

	memset(req, 0, sizeof(*req));
	if (len < NSJ_HEADER_LEN || memcmp(buf, NSJ_MAGIC, 4) != 0)
		return fail(err, errlen, "not a join request (bad magic)");
	if (len > NSJ_MAX_REQUEST || get_u32(buf + 4) != len)
		return fail(err, errlen, "request length %u does not match %zu bytes read",
			    get_u32(buf + 4), len);
	req->arena = malloc(len + len / NSJ_RECORD_HEADER_LEN + 1);
	req->envp = calloc(1, sizeof(char *)); /* an empty environment is valid */
	if (req->arena == NULL || req->envp == NULL) {
		fail(err, errlen, "out of memory");
		goto bad;
	}
	while (off < len) {
		uint16_t kind;
		uint32_t n;
		char *p;

		if (len - off < NSJ_RECORD_HEADER_LEN) {
			fail(err, errlen, "truncated record header at byte %zu", off);
			goto bad;
		}
		kind = get_u16(buf + off);
		n = get_u32(buf + off + 4);
		if (get_u16(buf + off + 2) != 0 || n > len - off - NSJ_RECORD_HEADER_LEN) {
			fail(err, errlen, "malformed record at byte %zu", off);
			goto bad;
		}
		off += NSJ_RECORD_HEADER_LEN;
		p = req->arena + used;
		memcpy(p, buf + off, n);
		p[n] = '\0';
		used += n + 1;
		if (parse_record(kind, p, n, req, err, errlen) < 0)
			goto bad;
		off += n;
	}
	if (req->path == NULL || req->argc == 0) {
		fail(err, errlen, "request has no %s", req->path == NULL ? "executable path" : "arguments");
		goto bad;
	}
	if (check_fs(req, err, errlen) < 0 || check_user(req, err, errlen) < 0 ||
	    nsj_check_confine(req, err, errlen) < 0)
		goto bad;
	return 0;
bad:
	nsj_free_request(req);
	return -1;
}

void nsj_free_request(struct nsj_request *req)
{
	free(req->argv);
	free(req->envp);
	free(req->arena);
	memset(req, 0, sizeof(*req));
}
