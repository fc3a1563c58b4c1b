/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Server names by address and by connection: what the network taught the agent about which name
 * an IP address serves (DNS answers, TLS SNI, HTTP Host) and which name a connection asked for
 * (its SNI), for naming flows that carry no name themselves and for the host-side correlator,
 * which asks which name a browser's connection went to (mmg.whatsapp.net or not). Bounded: past max_entries the least recently used name goes.
 * DNS TTLs are not enforced: clients keep using an address long after its TTL, and a newer
 * answer for the address replaces the name.
 */
#ifndef RAQIB_AGENT_NAME_CACHE_H
#define RAQIB_AGENT_NAME_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct name_cache;

/* Where a name was learnt. */
enum name_source {
	NAME_SOURCE_DNS,
	NAME_SOURCE_SNI, /* TLS or QUIC ClientHello */
	NAME_SOURCE_HTTP, /* HTTP Host header */
};

struct name_cache_stats {
	size_t entries;
	uint64_t learnt;
	uint64_t evicted;
};

/* A cache of at most max_entries addresses. NULL + errno. */
struct name_cache *name_cache_new(size_t max_entries);
void name_cache_free(struct name_cache *cache);

/* Records that addr (4 or 16 bytes of family) serves name, at now_us. 0 or -ENOMEM. */
int name_cache_put(struct name_cache *cache, int family, const uint8_t *addr, const char *name,
		   enum name_source source, uint64_t now_us);

/* A connection: its client and server sides; addresses of 4 or 16 bytes, ports in host order. */
struct name_conn {
	int family; /* AF_INET, AF_INET6 */
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP */
	const uint8_t *client;
	uint16_t client_port;
	const uint8_t *server;
	uint16_t server_port;
};

/*
 * Records the name a connection asked for (its TLS or QUIC SNI), and that the server's
 * address serves it. The connection's own name says more than its address, which many names
 * share (a CDN, a shared front end, or a test server under every name). 0, -EINVAL, -ENOMEM.
 */
int name_cache_put_conn(struct name_cache *cache, const struct name_conn *conn, const char *name,
			enum name_source source, uint64_t now_us);

/*
 * The name the connection asked for, else the name its server's address serves, else NULL;
 * borrowed as with name_cache_get().
 */
const char *name_cache_get_conn(const struct name_cache *cache, const struct name_conn *conn,
				enum name_source *source);

/*
 * The name addr serves, or NULL; *source set when not NULL. The string is the cache's, valid
 * until the next name_cache_put().
 */
const char *name_cache_get(const struct name_cache *cache, int family, const uint8_t *addr,
			   enum name_source *source);

void name_cache_get_stats(const struct name_cache *cache, struct name_cache_stats *stats);

#endif /* RAQIB_AGENT_NAME_CACHE_H */
