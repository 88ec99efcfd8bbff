/*
 * nstype.c: the constructor's copy of nsj's namespace-type table (see
 * nsjoin.h and internal/base/nstype), and the look-ups over it.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stddef.h>

#include "nsjoin.h"
#include "internal.h"

const struct nsj_ns_type nsj_ns_types[NSJ_NS_TYPES] = {
	{"net", CLONE_NEWNET},
	{"pid", CLONE_NEWPID},
	{"uts", CLONE_NEWUTS},
	{"ipc", CLONE_NEWIPC},
	{"cgroup", CLONE_NEWCGROUP},
	{"time", CLONE_NEWTIME},
	{"mnt", CLONE_NEWNS},
	{"user", CLONE_NEWUSER},
};

const struct nsj_ns_type *nsj_ns_type_of(uint32_t flag)
{
	size_t i;

	for (i = 0; i < NSJ_NS_TYPES; i++)
		if ((uint32_t)nsj_ns_types[i].flag == flag)
			return &nsj_ns_types[i];
	return NULL;
}

/* The /proc/PID/ns name of a CLONE_NEW* flag, for messages. */
const char *nsj_ns_name(int type)
{
	const struct nsj_ns_type *t = nsj_ns_type_of((uint32_t)type);

	return t != NULL ? t->name : "unknown";
}
