/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The employee's awareness notice, the agent's side: a local socket (run --notify-socket) that
 * each user's raqib-notify helper connects to, and an alert sink that, once the outbox took an
 * alert whose policy asks for a notice (`notify: true`), sends the notice to the helpers of the
 * user the alert is about. The kernel says who each helper runs as (SO_PEERCRED): a user
 * receives only their own notices. A notice never delays or replaces an alert: it is sent after
 * the alert was accepted, without blocking, and dropped (counted) when a helper is not reading.
 *
 * A notice is one JSON line: {"v":1, "kind": "upload"|"read"|"network", "document": the file's
 * name, "app", "rule_id", "rule_name", "guidance", "ts"}. It names the document to the person
 * who sent it, on their own screen; nothing of it leaves the host.
 */
#ifndef RAQIB_AGENT_NOTICE_H
#define RAQIB_AGENT_NOTICE_H

#include <stdint.h>

#include "outbox/alert.h"

struct notice_server;

struct notice_stats {
	uint64_t clients; /* helpers connected now */
	uint64_t sent; /* notices written to a helper */
	uint64_t no_helper; /* notices asked for a user with no helper connected */
	uint64_t dropped; /* a helper not reading (its socket full) or gone */
};

/*
 * Listens on path (a Unix socket anyone may connect to; its directory is made when missing;
 * a stale socket file is replaced). NULL with the reason in err.
 */
struct notice_server *notice_server_new(const char *path, char *err, size_t err_len);

/* The listening socket: readable when a helper connects (register it with the event loop). */
int notice_server_fd(const struct notice_server *ns);

/* Accepts the helpers waiting to connect. Returns 0 (loop_fd_fn). */
int notice_server_accept(void *ns, int fd);

/* Sends the notice of an alert to the helpers of its user (alert->uid). */
void notice_server_send(struct notice_server *ns, const struct alert *alert, const char *guidance);

void notice_server_get_stats(const struct notice_server *ns, struct notice_stats *stats);

/* Closes every connection, removes the socket file, frees. Accepts NULL. */
void notice_server_free(struct notice_server *ns);

/*
 * An alert sink in front of another: forwards every alert, then sends the notice of those the
 * next sink accepted and whose policy asks for one.
 */
struct notice_sink {
	alert_sink_fn next;
	void *next_ctx;
	struct notice_server *server;
	const char *(*guidance)(void *ctx); /* what the notice points to (the rules') */
	void *guidance_ctx;
};

int notice_sink(void *ctx, const struct alert *alert);

#endif /* RAQIB_AGENT_NOTICE_H */
