/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's writes to Redis (docs/storage.md): reading the agents' streams through the
 * consumer group, then for each alert, in this order,
 *
 *   1. one script on the site's slot: the alert, its time index, the host, user and app
 *      timelines, the agent's sequence (gaps), and the site incident it joins;
 *   2. one script per document hash and per value hash, on their own slots: provenance, the
 *      value index, and the spread incident when two hosts or more hold it;
 *   3. the global incident list, and the acknowledgement (XACK).
 *
 * Every step is idempotent, so a collector that dies anywhere leaves the entry pending, and
 * the next one to read it finishes the work without storing anything twice (a second run of
 * step 1 reports a duplicate and changes nothing; steps 2 and 3 add the same members again).
 * Heartbeats update the agent's state and put coverage gaps on the host's timeline; refused
 * entries go, whole, to the site's dead letters.
 *
 * Redis is reached through include/raqib/redis_cluster.h: the same calls on one Redis and on a
 * Redis Cluster. Connections authenticate as $RAQIB_REDIS_USER with $RAQIB_REDIS_PASSWORD when
 * both are set. Reading what is stored (raqibctl, the desk) is store_query.h.
 */
#ifndef RAQIB_COLLECTOR_STORE_H
#define RAQIB_COLLECTOR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ingest.h"
#include "raqib/keys.h"
#include "raqib/keyspace.h"

struct raqib_redis_addr;
struct raqib_redis;
struct store;

/* Connects; NULL with a reason in err (errno EACCES when AUTH was refused). */
struct store *store_connect(const struct raqib_redis_addr *addr, int timeout_ms, char *err,
			    size_t err_len);
void store_free(struct store *store);

/* The last Redis error, for messages. */
const char *store_error(const struct store *store);

/* The connection, for store_query.h. */
struct raqib_redis *store_redis(struct store *store);

/* Calls fn for every enrolled agent (raqib:registry: agent -> site). Returns the count or -EIO. */
typedef int (*store_registry_fn)(void *ctx, const char *agent_id, const char *site);
int store_registry(struct store *store, store_registry_fn fn, void *ctx);

/* Creates the consumer group on stream (and the stream) when missing. 0 or -EIO. */
int store_ensure_group(struct store *store, const char *stream);

/* Called per entry read: which of the streams it came from, its id and fields. */
typedef int (*store_entry_fn)(void *ctx, size_t stream_index, const char *id,
			      const struct stream_field *fields, size_t n_fields);

/*
 * Reads up to count entries from each of n streams of one site (one slot) for consumer: with
 * pending, those delivered to it before and never acknowledged; else new ones, waiting up to
 * block_ms (0: no wait). Calls fn per entry. Returns the entries read, -EIO, or fn's negative
 * return.
 */
int store_read(struct store *store, const char *const *streams, size_t n, const char *consumer,
	       bool pending, size_t count, int block_ms, store_entry_fn fn, void *ctx);

/* How incidents are formed (collector.yml, "incidents"). */
struct store_policy {
	int64_t incident_window_ms; /* same host, user and document within it: one incident */
	unsigned spread_min_hosts; /* hosts holding one document or value: a spread incident */
	uint64_t dead_letters_max; /* entries kept in each site's dead-letter stream at most */
};

#define STORE_MAX_VALUES 32 /* value hashes of one alert indexed at most */

/* One verified alert to store; every string is borrowed. */
struct store_alert {
	const char *site;
	const char *stream;
	const char *entry_id;
	const char *agent_id;
	const char *epoch;
	uint64_t sequence;
	const char *json; /* the document as stored (value hashes re-keyed) */
	size_t json_len;
	int64_t rx_ms; /* the collector's receive time: the order of every index */
	const char *host; /* host.name */
	const char *user; /* "<host>/<user.id>", or "" */
	const char *app; /* raqib.app, or "" */
	const char *document; /* file.hash.sha256 (64 hex digits), or "" */
	int severity;
	const char *fingerprint; /* store_fingerprint_key() of raqib.document.fingerprint, or "" */
	const char *group; /* the incident grouping key (hex), or "" for none */
	const char *rule; /* rule.id */
	/* an allowed event or a shadow rule's: indexed and on the timelines, but in no incident */
	bool no_incident;
	const char *values[STORE_MAX_VALUES]; /* stored value hashes (hex) */
	size_t n_values;
};

enum store_result {
	STORE_NEW, /* stored */
	STORE_DUPLICATE, /* the same alert was stored before: only acknowledged */
	STORE_CONFLICT, /* another alert holds its (agent, epoch, sequence): dead-lettered */
	STORE_GAP, /* stored, and numbers between the agent's last and this one are missing */
};

struct store_outcome {
	enum store_result result;
	uint64_t gap_from, gap_to; /* STORE_GAP: the missing numbers */
	char incident[RAQIB_KEY_MAX]; /* the site incident it joined ("" for none) */
	bool incident_new;
	unsigned spread_incidents; /* spread incidents it joined or opened */
};

/*
 * Stores n alerts (steps 1 to 3 above, pipelined), then acknowledges their entries. Returns 0
 * with out[i] filled, or -EIO (nothing after the failing step is done; the entries stay
 * pending and are read again).
 */
int store_save_alerts(struct store *store, const struct store_policy *policy,
		      const struct store_alert *alerts, size_t n, struct store_outcome *out);

/*
 * The key under which the sightings of a registered document (fingerprint rule id, exact or
 * similar copies) are indexed, as a document of its own: SHA-256 of "raqib-fingerprint\n<id>",
 * hex. Returns 0, or -EINVAL for an id that is not a rule id.
 */
int store_fingerprint_key(const char *rule_id, char out[65]);

/* A coverage gap a heartbeat revealed. */
struct store_hb_outcome {
	unsigned gaps; /* markers put on the host's timeline (silence, degraded sensor, refusals) */
};

/*
 * Stores an agent's heartbeat (its fields as sent, plus the receive time) in
 * raqib:{s:<site>}:agent:<agent>, puts the coverage gaps it reveals on the host's timeline
 * and the site's gap stream, and acknowledges the entry. 0 or -EIO.
 */
int store_save_heartbeat(struct store *store, const char *site, const char *stream,
			 const char *entry_id, const char *agent_id, const json_t *hb,
			 int64_t rx_ms, struct store_hb_outcome *out);

/*
 * Writes a refused entry, whole, to the site's dead letters (with the reason, a reason code
 * for replays, its stream and id), and acknowledges it. An entry over the size limits is kept
 * without its fields. 0 or -EIO.
 */
int store_dead_letter(struct store *store, const struct store_policy *policy, const char *site,
		      const char *stream, const char *entry_id, const struct stream_field *fields,
		      size_t n_fields, bool keep_fields, const char *code, const char *reason,
		      int64_t rx_ms);

/* Acknowledges an entry without storing anything (its agent is not enrolled any more). */
int store_ack(struct store *store, const char *stream, const char *entry_id);

/*
 * Trims n streams up to what every consumer group has acknowledged (XTRIM MINID at the oldest
 * pending entry, or past the last delivered one), never further, and measures their lag
 * (entries the collectors' group has not read yet), pipelined: the collector's housekeeping
 * over thousands of agents. Fills lag[i] (-1 when unknown) and adds the entries trimmed to
 * *trimmed. Returns 0 or -EIO.
 */
int store_trim_streams(struct store *store, const char *const *streams, size_t n, long long *lag,
		       unsigned long long *trimmed);

/*
 * Takes over up to count entries of each of n streams that another consumer was given and left
 * unacknowledged for min_idle_ms (it died), pipelined (XAUTOCLAIM); fn gets each entry with its
 * stream's index. Returns the entries taken over, or -EIO.
 */
int store_claim_streams(struct store *store, const char *const *streams, size_t n,
			const char *consumer, int64_t min_idle_ms, size_t count, store_entry_fn fn,
			void *ctx);

/* Entries in stream (XLEN), or -EIO. */
long long store_stream_len(struct store *store, const char *stream);

/*
 * Drops the oldest entries of a flooding agent's stream beyond max_len (XTRIM MAXLEN): its
 * backlog cannot grow without bound. Returns the entries dropped, or -EIO.
 */
long long store_cap_stream(struct store *store, const char *stream, uint64_t max_len);

#endif /* RAQIB_COLLECTOR_STORE_H */
