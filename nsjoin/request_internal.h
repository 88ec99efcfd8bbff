/* request_internal.h: what request.c shares with request_confine.c. */
#ifndef NSJOIN_REQUEST_INTERNAL_H
#define NSJOIN_REQUEST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nsjoin.h"

int nsj_fd_taken(const struct nsj_request *req, uint32_t fd);

/* request_confine.c */
int nsj_parse_confine(uint16_t kind, const unsigned char *p, uint32_t n, struct nsj_request *req,
		      char *err, size_t errlen);
int nsj_check_confine(const struct nsj_request *req, char *err, size_t errlen);

#endif
