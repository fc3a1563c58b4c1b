/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The outbox: numbers each alert, builds its document and delivers it to the Redis stream
 * raqib:events with XADD. It is the pipeline's alert sink (outbox_sink()).
 *
 * The walking skeleton sends synchronously and reports a failed send to its caller; the durable
 * spool (issue 7) goes in here without changing the interface.
 */
#ifndef RAQIB_AGENT_OUTBOX_H
#define RAQIB_AGENT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"

struct raqib_redis_addr;
struct outbox;

struct outbox_stats {
	uint64_t sent; /* alerts Redis accepted */
	uint64_t failed; /* alerts that could not be built or sent */
	uint64_t last_sequence;
};

/*
 * Connects to Redis (timeout_ms per attempt) and prepares to send as agent_id from host_name.
 * Returns NULL with a reason in err on failure (unreachable Redis, bad id, no memory).
 */
struct outbox *outbox_new(const struct raqib_redis_addr *addr, const char *agent_id,
			  const char *host_name, int timeout_ms, char *err, size_t err_len);

/* Closes the connection and frees the outbox; accepts NULL. */
void outbox_free(struct outbox *outbox);

/*
 * Sends one alert. Returns 0 once Redis accepted it, or a negative errno (-EIO when Redis
 * refused it or the connection failed, -ENOMEM). Matches alert_sink_fn.
 */
int outbox_send(struct outbox *outbox, const struct alert *alert);

/* alert_sink_fn adapter: ctx is a struct outbox. */
int outbox_sink(void *ctx, const struct alert *alert);

void outbox_get_stats(const struct outbox *outbox, struct outbox_stats *stats);

#endif /* RAQIB_AGENT_OUTBOX_H */
