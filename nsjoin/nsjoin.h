/*
 * nsjoin.h: the join request shared by the Go side (which encodes it) and the
 * constructor (which decodes and carries it out). The Go side reads these names
 * through cgo (request_check.go, result.go, internal/base/exit): this is their one
 * definition.
 *
 * Wire format, native byte order (the same binary writes and reads it):
 *
 *   header:  "NSJ1" u32 total-length
 *   records: u16 kind, u16 zero, u32 length, length bytes of payload
 *
 * kinds: NS (u32 fd, u32 CLONE_NEW* flag; repeatable), PATH (once), ARG (at
 * least once), ENV (repeatable), DIR (at most once), FLAGS (u32; at most once),
 * ROOT (u32 fd of a mount namespace, then the directory of the private view
 * where its tree is attached: absolute, clean, not "/"; at most once), EXEC_FD
 * (u32 fd of the open binary to execveat; at most once).
 * Strings carry no NUL byte; the decoder adds the terminator.
 *
 * The confinement of --fs container (nsjoin/confine.c): CREDS (5 u64
 * capability sets: bounding, effective, permitted, inheritable, ambient; u32
 * uid, u32 gid, u32 CREDS_* bits, u32 count, count u32 supplementary groups;
 * at most once), RLIMIT (u32 resource below 16, u32 zero, u64 soft, u64 hard;
 * each resource at most once), SECCOMP (a classic BPF program of 1 to 4096
 * struct sock_filter of 8 bytes; at most once), CGROUP (u32 fd of a
 * cgroup.procs file open for writing, then its path for messages; at most
 * NSJ_MAX_CGROUPS), OOM_SCORE_ADJ (an s32 from -1000 to 1000, the
 * command's /proc/self/oom_score_adj; exactly once with CREDS).
 *
 * Across records: an NS record of type CLONE_NEWNS and an EXEC_FD record come
 * with FLAG_CONTAINER_FS and only with it, which excludes ROOT, MOUNT_PROC and
 * MOUNT_SYSFS (nsj never mounts in the container's own mount namespace).
 * FLAG_CONTAINER_FS comes with either a CREDS record (the command is confined
 * to the container's privileges) or FLAG_HOST_PRIVILEGES (--privileged), never
 * both, never neither; RLIMIT, SECCOMP, CGROUP and OOM_SCORE_ADJ records
 * come only after CREDS, which needs an OOM_SCORE_ADJ; CREDS and
 * FLAG_HOST_PRIVILEGES come only with FLAG_CONTAINER_FS.
 * FLAG_KEEP_CREDS comes only with an NS record of type CLONE_NEWUSER.
 * Every fd appears once, and is between 3 and NSJ_MAX_FD.
 */
#ifndef NSJOIN_H
#define NSJOIN_H

#include <stddef.h>
#include <stdint.h>

#define NSJ_ENV_REQUEST "_NSJ_JOIN_REQUEST" /* value: the fd holding the request */

/* nsj's own exit codes, as docker run and chroot use them; any other is the command's. */
#define NSJ_EXIT_FAILURE 125        /* nsj itself failed */
#define NSJ_EXIT_NOT_EXECUTABLE 126 /* the command was found but cannot be run */
#define NSJ_EXIT_NOT_FOUND 127      /* the command was not found */

#define NSJ_MAGIC "NSJ1"
#define NSJ_HEADER_LEN 8
#define NSJ_RECORD_HEADER_LEN 8
#define NSJ_MAX_REQUEST (64u << 20)
#define NSJ_MAX_FD (1 << 20) /* the highest fd a record may name; the lowest is 3 */
#define NSJ_NS_TYPES 8 /* entries of nsj_ns_types */
#define NSJ_MAX_NAMESPACES NSJ_NS_TYPES /* each type at most once */
#define NSJ_MAX_GROUPS 65536 /* NGROUPS_MAX */
#define NSJ_MAX_RLIMITS 16   /* RLIM_NLIMITS */
#define NSJ_MAX_FILTER 4096  /* BPF_MAXINSNS */
#define NSJ_MAX_CGROUPS 16
#define NSJ_OOM_SCORE_ADJ_MAX 1000 /* OOM_SCORE_ADJ_MAX; the least is its negative */

enum nsj_kind {
	NSJ_KIND_NS = 1,
	NSJ_KIND_PATH = 2,
	NSJ_KIND_ARG = 3,
	NSJ_KIND_ENV = 4,
	NSJ_KIND_DIR = 5,
	NSJ_KIND_FLAGS = 6,
	NSJ_KIND_ROOT = 7,
	NSJ_KIND_EXEC_FD = 8,
	NSJ_KIND_CREDS = 9,
	NSJ_KIND_RLIMIT = 10,
	NSJ_KIND_SECCOMP = 11,
	NSJ_KIND_CGROUP = 12,
	NSJ_KIND_OOM_SCORE_ADJ = 13,
};

/* Bits of a CREDS record. */
#define NSJ_CREDS_NO_NEW_PRIVS 1u

enum nsj_flag {
	NSJ_FLAG_MOUNT_PROC = 1u << 0,  /* mount a fresh /proc in the child */
	NSJ_FLAG_MOUNT_SYSFS = 1u << 1, /* mount a fresh /sys in the child */
	NSJ_FLAG_DEBUG = 1u << 2,       /* write each step to stderr */
	NSJ_FLAG_CONTAINER_FS = 1u << 3, /* join the mount namespace, mount nothing (--fs container) */
	NSJ_FLAG_KEEP_CREDS = 1u << 4,  /* keep nsj's uid/gid in the user namespace (--preserve-credentials) */
	NSJ_FLAG_HOST_PRIVILEGES = 1u << 5, /* --fs container --privileged: no confinement */
	NSJ_FLAG_SIGNAL_GROUP = 1u << 6, /* forward signals to the process group nsj leads (nsj --all) */
	NSJ_FLAG_ALL = (1u << 7) - 1,
};

/*
 * The namespace types nsj knows, in the order of the one table in
 * internal/base/nstype (nstype.All), mirrored here for the constructor:
 * TestCNamespaceTableMatchesGo (nsjoin/types_test.go) compares the two.
 * Defined in nstype.c.
 */
struct nsj_ns_type {
	const char *name; /* the /proc/PID/ns name: "net" */
	int flag;         /* CLONE_NEWNET */
};
extern const struct nsj_ns_type nsj_ns_types[NSJ_NS_TYPES];

/* The entry of a CLONE_NEW* flag, or NULL for any other value. */
const struct nsj_ns_type *nsj_ns_type_of(uint32_t flag);

struct nsj_ns {
	int fd;
	int type; /* CLONE_NEWNET, CLONE_NEWPID, ... */
};

/* The container's privileges, for --fs container (confine.c). */
struct nsj_confine {
	int present;  /* a CREDS record was given */
	uint64_t caps[5]; /* bounding, effective, permitted, inheritable, ambient */
	uint32_t uid, gid;
	int no_new_privs;
	const unsigned char *groups; /* ngroups u32, unaligned, in the arena */
	size_t ngroups;
	struct {
		int resource;
		uint64_t soft, hard;
	} rlimits[NSJ_MAX_RLIMITS];
	size_t nrlimits;
	const unsigned char *filter; /* nfilter struct sock_filter, unaligned, in the arena */
	size_t nfilter;
	struct {
		int fd;
		const char *path;
	} cgroups[NSJ_MAX_CGROUPS];
	size_t ncgroups;
	int has_oom_score_adj; /* an OOM_SCORE_ADJ record was given */
	int oom_score_adj;
};

struct nsj_request {
	struct nsj_ns ns[NSJ_MAX_NAMESPACES];
	size_t nns;
	char *path;  /* the executable */
	char **argv; /* NULL-terminated */
	size_t argc;
	char **envp; /* NULL-terminated */
	size_t envc;
	char *dir; /* NULL: stay in the caller's directory */
	int root_ns;   /* 0: none; else a mount namespace whose tree is attached at root_at */
	char *root_at; /* NULL unless root_ns */
	int exec_fd;   /* 0: execve(path); else execveat(exec_fd, "", ..., AT_EMPTY_PATH) */
	uint32_t flags;
	int has_flags;
	struct nsj_confine confine;
	char *arena; /* owns every string above */
};

/*
 * nsj_parse_request decodes buf[0:len] into req. Strings point into an arena
 * owned by req (freed with nsj_free_request). On failure it returns -1 and
 * writes a reason into err (errlen bytes) and leaves req empty.
 */
int nsj_parse_request(const unsigned char *buf, size_t len, struct nsj_request *req,
		      char *err, size_t errlen);
void nsj_free_request(struct nsj_request *req);

/* The outcome of a join that returns to Go instead of exiting (errors only). */
struct nsj_result {
	int active;    /* this process was started with a join request */
	int exit_code; /* NSJ_EXIT_FAILURE, NSJ_EXIT_NOT_EXECUTABLE or NSJ_EXIT_NOT_FOUND */
	char message[1024];
};
extern struct nsj_result nsj_result;

#endif
