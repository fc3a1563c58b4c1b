/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's side of Redis: reading raqib:events through the consumer group, storing an
 * alert and acknowledging its entry atomically, dead-lettering refused entries, and listing
 * stored alerts and agents for raqibctl. Connections authenticate as $RAQIB_REDIS_USER with
 * $RAQIB_REDIS_PASSWORD when both are set. Key names come from include/raqib/schema.h.
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

enum store_result {
	STORE_NEW, /* stored */
	STORE_DUPLICATE, /* the same alert was stored before: only acknowledged */
	STORE_CONFLICT, /* another alert holds its (agent, sequence): dead-lettered */
	STORE_GAP, /* stored, and numbers between the agent's last and this one are missing */
};

struct store_outcome {
	enum store_result result;
	uint64_t gap_from, gap_to; /* STORE_GAP: the missing numbers */
};

/*
 * Stores a validated alert under (agent, sequence) unless already stored, indexes it by time,
 * follows the agent's sequence (raqib:seq:<agent>, gaps in raqib:events:gaps) and
 * acknowledges entry id, all in one server-side script. Returns 0 with out filled, or -EIO.
 */
int store_save(struct store *store, const char *id, const struct ingest_entry *entry,
	       const char *json, size_t json_len, struct store_outcome *out);

/*
 * Calls fn for every agent known by its heartbeat (raqib:agent:<id>) or its alerts
 * (raqib:seq:<id>), in id order, with both hashes as field lists (empty when absent).
 * Returns the number of agents, or -EIO / -ENOMEM.
 */
typedef int (*store_agent_fn)(void *ctx, const char *agent_id, const struct stream_field *hb,
			      size_t n_hb, const struct stream_field *seq, size_t n_seq);
int store_list_agents(struct store *store, store_agent_fn fn, void *ctx);

/* Records a refused entry in raqib:events:dead with the reason and acknowledges it. 0 or -EIO. */
int store_dead_letter(struct store *store, const char *id, const char *reason);

/* Calls fn for the limit most recent stored alerts, newest first. Returns the count or -EIO. */
int store_list_recent(struct store *store, size_t limit, store_alert_fn fn, void *ctx);

/* The last Redis error, for messages. */
const char *store_error(const struct store *store);

#endif /* RAQIB_COLLECTOR_STORE_H */
