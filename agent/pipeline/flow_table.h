/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Flow table: bidirectional TCP/UDP flows keyed by their canonical 5-tuple (and VLAN), kept in
 * least recently used order per timeout class so idle flows expire after the timeout of their
 * state (a TCP handshake that never completes, an established connection, a closed one, UDP)
 * and, at the bound, the oldest flow is evicted (and counted) instead of the table growing.
 * The table also keeps what a flow did: bytes and packets per direction, the TCP state, and
 * the client's upload bursts. The network path hangs its per-flow state on flow->user and
 * releases it in the callback the table calls whenever a flow leaves.
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
	uint16_t vlan_id; /* innermost 802.1Q VLAN id, 0 when untagged; set after flow_key_make() */
	uint8_t addr_lo[16]; /* IPv4 in the first 4 bytes, rest zero */
	uint8_t addr_hi[16];
};

/* Flow direction: from the side that sent the first packet seen (the client) or to it. */
enum flow_dir {
	FLOW_DIR_TO_SERVER,
	FLOW_DIR_TO_CLIENT,
};

/*
 * Timeout classes: each has its own LRU list so that expiry, walking a list from its oldest
 * end, stops at the first flow still within its class's timeout.
 */
enum flow_class {
	FLOW_CLASS_OTHER, /* UDP, and TCP whose start was not seen */
	FLOW_CLASS_TCP_NEW, /* TCP between the first SYN and the handshake's end */
	FLOW_CLASS_TCP_ESTABLISHED,
	FLOW_CLASS_TCP_CLOSED, /* FIN from both sides, or RST: kept briefly for late segments */
	FLOW_CLASS_COUNT,
};

enum flow_tcp_state {
	FLOW_TCP_NONE, /* not TCP, or nothing seen yet */
	FLOW_TCP_SYN_SENT,
	FLOW_TCP_SYN_RECEIVED,
	FLOW_TCP_ESTABLISHED, /* also a connection picked up in its middle */
	FLOW_TCP_CLOSING, /* FIN from one side */
	FLOW_TCP_CLOSED, /* FIN from both sides, or RST */
};

/*
 * An upload burst: client-to-server transport payload sent with no pause longer than
 * FLOW_BURST_GAP_US between two segments. A file upload (an HTTPS POST of WhatsApp media,
 * Telegram's upload parts) is one burst whose byte count the correlator compares with the size
 * of a file the app read. Bursts smaller than FLOW_BURST_MIN_BYTES are not kept.
 */
#define FLOW_BURST_GAP_US    1000000u
#define FLOW_BURST_MIN_BYTES 4096u
#define FLOW_BURSTS_MAX	     4 /* the largest bursts of a flow */

struct flow_burst {
	uint64_t start_us, end_us; /* capture times of the burst's first and last segments */
	uint64_t bytes; /* transport payload bytes, client to server */
	uint32_t packets;
};

struct flow {
	struct flow_key key;
	uint8_t client_addr[16];
	uint8_t server_addr[16];
	uint16_t client_port;
	uint16_t server_port;
	uint64_t first_us; /* capture time of the first packet */
	uint64_t last_us; /* of the last packet, never before the latest time the table saw */
	uint64_t bytes[2]; /* IP bytes per enum flow_dir */
	uint64_t packets[2];
	uint64_t payload_bytes[2]; /* transport payload bytes per enum flow_dir */
	struct flow_burst bursts[FLOW_BURSTS_MAX]; /* kept bursts, largest first */
	struct flow_burst cur_burst; /* the burst in progress (bytes 0: none) */
	uint32_t n_bursts; /* bursts kept in bursts[] */
	uint32_t bursts_seen; /* bursts of at least FLOW_BURST_MIN_BYTES, kept or not */
	uint8_t tcp_state; /* enum flow_tcp_state */
	uint8_t fin_seen; /* bit per enum flow_dir */
	uint8_t cls; /* enum flow_class: the LRU list it is on */
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
	uint64_t closed; /* removed by their owner */
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

/* Releases the flows idle since before now_us - idle_us, whatever their class. */
void flow_table_expire(struct flow_table *table, uint64_t now_us, uint64_t idle_us);

/* Releases the flows of each class c idle since before now_us - idle_us[c]. */
void flow_table_expire_classes(struct flow_table *table, uint64_t now_us,
			       const uint64_t idle_us[FLOW_CLASS_COUNT]);

/*
 * Swaps the client and server sides of flow (the first packet seen came from the server: a
 * SYN-ACK, or a reply of a connection picked up in its middle). Counters move with their side.
 */
void flow_swap_sides(struct flow *flow);

/*
 * Counts a packet of flow in direction dir: wire_len IP bytes, payload_len transport payload
 * bytes, at now_us; client payload extends or starts an upload burst.
 */
void flow_account(struct flow *flow, enum flow_dir dir, uint64_t wire_len, uint64_t payload_len,
		  uint64_t now_us);

/* Ends the upload burst in progress (at the flow's end, before its bursts are read). */
void flow_end_burst(struct flow *flow);

/*
 * Follows the TCP state of flow with the flags (TH_SYN, TH_ACK, TH_FIN, TH_RST bits of the TCP
 * header) of a segment in direction dir, and moves the flow to its state's timeout class.
 */
void flow_table_tcp_update(struct flow_table *table, struct flow *flow, enum flow_dir dir,
			   uint8_t tcp_flags);

/* "syn_sent", "established"...: the name of a TCP state for flow records. */
const char *flow_tcp_state_name(enum flow_tcp_state state);

/* Calls fn for every flow, in no particular order; fn must not add or remove flows. */
void flow_table_foreach(struct flow_table *table, void (*fn)(void *ctx, struct flow *flow),
			void *ctx);

/* Releases flow (FLOW_END_CLOSED) and removes it. */
void flow_table_remove(struct flow_table *table, struct flow *flow);

/* Releases every flow (FLOW_END_DRAINED); the table stays usable. */
void flow_table_drain(struct flow_table *table);

void flow_table_get_stats(const struct flow_table *table, struct flow_table_stats *stats);

/* Checks hash chains, LRU links and counts. */
bool flow_table_check(const struct flow_table *table);

#endif /* RAQIB_AGENT_FLOW_TABLE_H */
