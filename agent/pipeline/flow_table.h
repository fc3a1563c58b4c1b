/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Flow table: bidirectional TCP/UDP flows keyed by their canonical 5-tuple, kept in least
 * recently used order so idle flows expire and, at the bound, the oldest flow is evicted (and
 * counted) instead of the table growing. The network path hangs its per-flow state on
 * flow->user and releases it in the callback the table calls whenever a flow leaves.
 */
#ifndef RAQIB_AGENT_FLOW_TABLE_H
#define RAQIB_AGENT_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct flow_table;

/* Canonical key: the (address, port) pair that sorts lower comes first. */
struct flow_key {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port_lo;
	uint16_t port_hi;
	uint8_t pad[2];
	uint8_t addr_lo[16]; /* IPv4 in the first 4 bytes, rest zero */
	uint8_t addr_hi[16];
};

/* Flow direction: from the side that sent the first packet seen (the client) or to it. */
enum flow_dir {
	FLOW_DIR_TO_SERVER,
	FLOW_DIR_TO_CLIENT,
};

struct flow {
	struct flow_key key;
	uint8_t client_addr[16];
	uint8_t server_addr[16];
	uint16_t client_port;
	uint16_t server_port;
	uint64_t first_us, last_us; /* capture times of the first and last packets */
	uint64_t bytes[2]; /* IP bytes per enum flow_dir */
	uint64_t packets[2];
	void *user; /* the network path's state; released through flow_release_fn */

	/* table bookkeeping */
	struct flow *hash_next;
	struct flow *lru_prev, *lru_next;
};

enum flow_end {
	FLOW_END_EXPIRED, /* idle for longer than the timeout */
	FLOW_END_EVICTED, /* pushed out by a new flow at the bound */
	FLOW_END_CLOSED, /* removed by its owner (connection closed) */
	FLOW_END_DRAINED, /* end of input */
};

/* Called once for every flow leaving the table, before it is freed. */
typedef void (*flow_release_fn)(void *ctx, struct flow *flow, enum flow_end why);

struct flow_table_stats {
	size_t flows;
	uint64_t created;
	uint64_t expired;
	uint64_t evicted;
};

struct flow_table *flow_table_new(size_t max_flows, flow_release_fn release, void *ctx);

/* Releases every flow (FLOW_END_DRAINED) and frees the table; accepts NULL. */
void flow_table_free(struct flow_table *table);

/*
 * Builds the canonical key of a packet from src to dst, and tells whether src is the "lo" side.
 * addr_len is 4 or 16.
 */
void flow_key_make(struct flow_key *key, uint8_t family, uint8_t proto, const uint8_t *src,
		   uint16_t sport, const uint8_t *dst, uint16_t dport, size_t addr_len);

/*
 * The flow of key, created when missing (src/sport then name the client). Marks it most recently
 * used. *created tells which. NULL only on ENOMEM.
 */
struct flow *flow_table_get(struct flow_table *table, const struct flow_key *key,
			    const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
			    uint64_t now_us, bool *created);

/* The flow of key, or NULL; does not change the LRU order. */
struct flow *flow_table_find(const struct flow_table *table, const struct flow_key *key);

/* Direction of a packet sent by src/sport in flow. */
enum flow_dir flow_direction(const struct flow *flow, const uint8_t *src, uint16_t sport);

/* Releases the flows idle since before now_us - idle_us. */
void flow_table_expire(struct flow_table *table, uint64_t now_us, uint64_t idle_us);

/* Releases flow (FLOW_END_CLOSED) and removes it. */
void flow_table_remove(struct flow_table *table, struct flow *flow);

/* Releases every flow (FLOW_END_DRAINED); the table stays usable. */
void flow_table_drain(struct flow_table *table);

void flow_table_get_stats(const struct flow_table *table, struct flow_table_stats *stats);

/* Checks hash chains, LRU links and counts. */
bool flow_table_check(const struct flow_table *table);

#endif /* RAQIB_AGENT_FLOW_TABLE_H */
