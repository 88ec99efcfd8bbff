/* request_internal.h: what request.c shares with request_confine.c. */
#ifndef NSJOIN_REQUEST_INTERNAL_H
#define NSJOIN_REQUEST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nsjoin.h"

/* request.c's helpers, under their short names in the decoder's files. */
#define fail nsj_request_fail
#define get_u32 nsj_request_get_u32
int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint32_t get_u32(const unsigned char *p);
int nsj_fd_taken(const struct nsj_request *req, uint32_t fd);

/* request_confine.c */
int nsj_parse_confine(uint16_t kind, const unsigned char *p, uint32_t n, struct nsj_request *req,
		      char *err, size_t errlen);
int nsj_check_confine(const struct nsj_request *req, char *err, size_t errlen);

#endif
