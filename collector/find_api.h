/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Searching by value through the collector (POST /api/find): the only place a value an
 * investigator types meets the keys that hash it. The investigator authenticates with a token
 * (Authorization: Bearer), which the collector checks against the SHA-256 digests in
 * <keys>/investigators ("<name> <sha256 hex>" per line, raqibctl investigator-add); a token
 * signs nothing and opens nothing else. The value arrives in the body, is hashed with the
 * deployment key then the collector key, and leads through the value index
 * (raqib:{v:<hash>}:alerts) to its alerts on every shard. Every search is written to the audit
 * stream raqib:audit (who, from where, the type, hash_prefix: a prefix of the stored hash, how
 * many), never the value.
 *
 * The answer, JSON: {"type": ..., "total": N, "alerts": [...], "waiting": M}, where waiting is
 * how many entries the collectors have not read yet (they may hold more): find never answers
 * "nothing" without saying what it could not have seen.
 */
#ifndef RAQIB_COLLECTOR_FIND_API_H
#define RAQIB_COLLECTOR_FIND_API_H

#include <stddef.h>

#include "http_server.h"

struct collector;
struct find_api;

/* Loads the rules, the deployment and collector keys, the investigators. NULL with err. */
struct find_api *find_api_new(struct collector *c, char *err, size_t err_len);
void find_api_free(struct find_api *f);

/* The route handler (ctx: the find_api). */
int find_api_handle(void *ctx, const struct http_request *req, struct http_response *resp);

/*
 * The search itself, for a caller that authenticated the investigator (who) another way (the
 * desk's tokens): the request's body is the value. Same answers as the route.
 */
int find_api_search(struct find_api *f, const char *who, const struct http_request *req,
		    struct http_response *resp);

/* The investigators file in a keys directory. */
#define FIND_INVESTIGATORS_FILE "investigators"

#endif /* RAQIB_COLLECTOR_FIND_API_H */
