/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's side of Redis: reading raqib:events through the consumer group, storing an
 * alert and acknowledging its entry in one transaction, dead-lettering refused entries, and
 * listing stored alerts for raqibctl. Key names come from include/raqib/schema.h.
 */
#ifndef RAQIB_COLLECTOR_STORE_H
#define RAQIB_COLLECTOR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"

struct raqib_redis_addr;
struct store;

/* Called per stream entry; id is the entry id. Return 0 to go on, negative to stop. */
typedef int (*store_entry_fn)(void *ctx, const char *id, const struct stream_field *fields,
			      size_t n_fields);

/* Called per stored alert (newest first); json is the document. Return 0 to go on. */
typedef int (*store_alert_fn)(void *ctx, const char *json, size_t len);

/* Connects; NULL with a reason in err. */
struct store *store_connect(const struct raqib_redis_addr *addr, int timeout_ms, char *err,
			    size_t err_len);
void store_free(struct store *store);

/* Creates the consumer group (and the stream) if missing. 0 or -EIO. */
int store_ensure_group(struct store *store);

/*
 * Reads up to count entries for consumer: with pending, the entries delivered to it before but
 * never acknowledged (after a crash); else new entries, waiting up to block_ms (0: no wait).
 * Calls fn per entry. Returns the number of entries read, or -EIO (connection lost, Redis error)
 * or fn's negative return.
 */
int store_read(struct store *store, const char *consumer, bool pending, int block_ms,
	       size_t count, store_entry_fn fn, void *ctx);

/*
 * Stores a validated alert under (agent, sequence) unless already stored, indexes it by time,
 * and acknowledges entry id, all in one MULTI/EXEC. *duplicate tells whether it was known.
 * Returns 0 or -EIO.
 */
int store_save(struct store *store, const char *id, const struct ingest_entry *entry,
	       const char *json, size_t json_len, bool *duplicate);

/* Records a refused entry in raqib:events:dead with the reason and acknowledges it. 0 or -EIO. */
int store_dead_letter(struct store *store, const char *id, const char *reason);

/* Calls fn for the limit most recent stored alerts, newest first. Returns the count or -EIO. */
int store_list_recent(struct store *store, size_t limit, store_alert_fn fn, void *ctx);

/* The last Redis error, for messages. */
const char *store_error(const struct store *store);

#endif /* RAQIB_COLLECTOR_STORE_H */
