/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Connection owners: which process (and app) owns a TCP/UDP connection, keyed by its 5-tuple.
 * The host sensor fills it from socket events (connect, state changes, bytes sent); the network
 * path looks flows up in it to name the process behind a captured flow. Bounded, LRU.
 */
#ifndef RAQIB_AGENT_CONN_TABLE_H
#define RAQIB_AGENT_CONN_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "raqib/events.h"
#include "raqib/rules.h"

struct conn_table;

struct conn_owner {
	uint32_t pid;
	uint64_t start_ns; /* with pid, identifies the process */
	uint32_t uid;
	char comm[RAQIB_COMM_LEN];
	const struct rules_app *app; /* owned by the rules; NULL when not an app */
	uint64_t bytes_sent; /* by the owner on this connection, as last reported */
};

/* A 5-tuple as the owner sees it: local side first. Addresses: 4 or 16 bytes per family. */
struct conn_tuple {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t local_port;
	uint16_t remote_port;
	uint8_t local_addr[16];
	uint8_t remote_addr[16];
};

struct conn_table *conn_table_new(size_t max_conns);
void conn_table_free(struct conn_table *table);

/* Records or updates the owner of tuple at now_us. Returns 0 or -ENOMEM. */
int conn_table_set(struct conn_table *table, const struct conn_tuple *tuple,
		   const struct conn_owner *owner, uint64_t now_us);

/*
 * The owner of the connection between a/a_port and b/b_port (either side local), or NULL.
 * Valid until the next change to the table.
 */
const struct conn_owner *conn_table_lookup(const struct conn_table *table, uint8_t family,
					   uint8_t proto, const uint8_t *a, uint16_t a_port,
					   const uint8_t *b, uint16_t b_port);

/* Forgets tuple. */
void conn_table_remove(struct conn_table *table, const struct conn_tuple *tuple);

/* Forgets connections not updated since before now_us - idle_us. */
void conn_table_expire(struct conn_table *table, uint64_t now_us, uint64_t idle_us);

size_t conn_table_size(const struct conn_table *table);

/* Forgets every connection (after a rules reload: owners point into the old app catalog). */
void conn_table_clear(struct conn_table *table);

#endif /* RAQIB_AGENT_CONN_TABLE_H */
