/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The desk: the collector's HTTP JSON API for analysts, investigators and administrators, and
 * the web UI that uses it (served from files embedded at build time: desk_ui.c). Its routes
 * are rows of the collector's HTTP route table (http_server.h); docs/api.yaml describes each
 * (OpenAPI 3), docs/api.md says who may call which.
 *
 * Every route but the UI's files wants a bearer token (desk_auth.h) whose role has the right
 * the route needs: 401 without one, 403 with the wrong role. Query arguments are checked
 * against each route's list (desk_params.h): 400 with the reason. Every read of an incident,
 * every change, every search by value and every export is written to the audit log
 * (audit_log.h), with who and from where. Values typed into a search are never logged,
 * stored nor echoed.
 *
 * Handlers run on the desk server's own thread, one request at a time, with the desk's own
 * Redis connection; the collector's counters are read under its lock.
 */
#ifndef RAQIB_COLLECTOR_DESK_API_H
#define RAQIB_COLLECTOR_DESK_API_H

#include <stddef.h>

#include "http_server.h"

struct collector;
struct desk;

/*
 * The desk of a collector: its tokens (keys directory), its own store connection (made on
 * first use), the value search when a deployment key is there. NULL with err.
 */
struct desk *desk_new(struct collector *c, char *err, size_t err_len);
void desk_free(struct desk *d);

/* Fills routes (at most max) with the desk's API and UI routes. Returns how many. */
size_t desk_routes(struct desk *d, struct http_route *routes, size_t max);

/*
 * What the server checks of a request before anything reaches the store: its route, its query
 * arguments against the route's list, its body where the route reads one. 0, -ENOENT (no such
 * route) or -EINVAL with reason. No global state: the fuzzer calls it as the server does.
 */
int desk_request_check(const char *method, const char *path, const struct http_request *req,
		       char *reason, size_t reason_len);

/* How many routes desk_routes() fills, at most. */
#define DESK_ROUTES_MAX 40

#endif /* RAQIB_COLLECTOR_DESK_API_H */
