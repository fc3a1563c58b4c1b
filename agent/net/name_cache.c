// SPDX-License-Identifier: GPL-2.0-only
/*
 * Server names by address (see name_cache.h), on a flow table keyed by the address alone
 * (ports and protocol zero): its hash, LRU order and bound serve as they are.
 */
#include "name_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pipeline/flow_table.h"

struct name_entry {
	uint8_t source; /* enum name_source */
	char name[]; /* NUL-terminated */
};

struct name_cache {
	struct flow_table *table;
	struct name_cache_stats stats;
};

static void release_entry(void *ctx, struct flow *flow, enum flow_end why)
{
	struct name_cache *c = ctx;

	if (why == FLOW_END_EVICTED)
		c->stats.evicted++;
	free(flow->user);
	flow->user = NULL;
}

struct name_cache *name_cache_new(size_t max_entries)
{
	struct name_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->table = flow_table_new(max_entries, release_entry, c);
	if (!c->table) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void name_cache_free(struct name_cache *c)
{
	if (!c)
		return;
	flow_table_free(c->table);
	free(c);
}

static void make_key(struct flow_key *key, int family, const uint8_t *addr)
{
	static const uint8_t zero[16];

	flow_key_make(key, (uint8_t)family, 0, addr, 0, zero, 0, family == AF_INET ? 4 : 16);
}

/* Stores name under key (made from src/sport, dst/dport). */
static int put_key(struct name_cache *c, const struct flow_key *key, const uint8_t *src,
		   uint16_t sport, const uint8_t *dst, uint16_t dport, const char *name,
		   enum name_source source, uint64_t now_us)
{
	size_t len = strlen(name);
	struct name_entry *e;
	struct flow *f;
	bool created;

	if (len == 0)
		return -EINVAL;
	f = flow_table_get(c->table, key, src, sport, dst, dport, now_us, &created);
	if (!f)
		return -ENOMEM;
	e = f->user;
	if (e && strcmp(e->name, name) == 0) {
		e->source = (uint8_t)source;
		return 0;
	}
	e = malloc(sizeof(*e) + len + 1);
	if (!e) {
		if (created)
			flow_table_remove(c->table, f);
		return -ENOMEM;
	}
	e->source = (uint8_t)source;
	memcpy(e->name, name, len + 1);
	free(f->user);
	f->user = e;
	c->stats.learnt++;
	return 0;
}

int name_cache_put(struct name_cache *c, int family, const uint8_t *addr, const char *name,
		   enum name_source source, uint64_t now_us)
{
	static const uint8_t zero[16];
	struct flow_key key;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	make_key(&key, family, addr);
	return put_key(c, &key, addr, 0, zero, 0, name, source, now_us);
}

int name_cache_put_conn(struct name_cache *c, const struct name_conn *conn, const char *name,
			enum name_source source, uint64_t now_us)
{
	struct flow_key key;
	int rc;

	if ((conn->family != AF_INET && conn->family != AF_INET6) || !conn->proto)
		return -EINVAL;
	flow_key_make(&key, (uint8_t)conn->family, conn->proto, conn->client, conn->client_port,
		      conn->server, conn->server_port, conn->family == AF_INET ? 4 : 16);
	rc = put_key(c, &key, conn->client, conn->client_port, conn->server, conn->server_port,
		     name, source, now_us);
	if (!rc)
		rc = name_cache_put(c, conn->family, conn->server, name, source, now_us);
	return rc;
}

const char *name_cache_get_conn(const struct name_cache *c, const struct name_conn *conn,
				enum name_source *source)
{
	const struct name_entry *e = NULL;
	const struct flow *f;
	struct flow_key key;

	if ((conn->family != AF_INET && conn->family != AF_INET6) || !conn->proto)
		return NULL;
	flow_key_make(&key, (uint8_t)conn->family, conn->proto, conn->client, conn->client_port,
		      conn->server, conn->server_port, conn->family == AF_INET ? 4 : 16);
	f = flow_table_find(c->table, &key);
	e = f ? f->user : NULL;
	if (!e)
		return name_cache_get(c, conn->family, conn->server, source);
	if (source)
		*source = e->source;
	return e->name;
}

const char *name_cache_get(const struct name_cache *c, int family, const uint8_t *addr,
			   enum name_source *source)
{
	struct flow_key key;
	const struct flow *f;
	const struct name_entry *e;

	if (family != AF_INET && family != AF_INET6)
		return NULL;
	make_key(&key, family, addr);
	f = flow_table_find(c->table, &key);
	e = f ? f->user : NULL;
	if (!e)
		return NULL;
	if (source)
		*source = e->source;
	return e->name;
}

void name_cache_get_stats(const struct name_cache *c, struct name_cache_stats *stats)
{
	struct flow_table_stats ft;

	flow_table_get_stats(c->table, &ft);
	*stats = c->stats;
	stats->entries = ft.flows;
}
