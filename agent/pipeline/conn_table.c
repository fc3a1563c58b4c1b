// SPDX-License-Identifier: GPL-2.0-only
/*
 * Connection owners (see conn_table.h), kept in a flow table: the canonical 5-tuple makes a
 * lookup by either direction of a captured flow find the connection its owner reported.
 */
#include "conn_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flow_table.h"

struct conn_table {
	struct flow_table *flows; /* flow->user: struct conn_owner */
};

static void release_owner(void *ctx, struct flow *flow, enum flow_end why)
{
	(void)ctx;
	(void)why;
	free(flow->user);
	flow->user = NULL;
}

struct conn_table *conn_table_new(size_t max_conns)
{
	struct conn_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->flows = flow_table_new(max_conns, release_owner, t);
	if (!t->flows) {
		free(t);
		return NULL;
	}
	return t;
}

void conn_table_free(struct conn_table *t)
{
	if (!t)
		return;
	flow_table_free(t->flows);
	free(t);
}

static size_t addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

int conn_table_set(struct conn_table *t, const struct conn_tuple *tuple,
		   const struct conn_owner *owner, uint64_t now_us)
{
	struct flow_key key;
	struct flow *f;
	bool created;

	flow_key_make(&key, tuple->family, tuple->proto, tuple->local_addr, tuple->local_port,
		      tuple->remote_addr, tuple->remote_port, addr_len(tuple->family));
	f = flow_table_get(t->flows, &key, tuple->local_addr, tuple->local_port,
			   tuple->remote_addr, tuple->remote_port, now_us, &created);
	if (!f)
		return -ENOMEM;
	if (!f->user) {
		f->user = malloc(sizeof(struct conn_owner));
		if (!f->user) {
			flow_table_remove(t->flows, f);
			return -ENOMEM;
		}
	}
	memcpy(f->user, owner, sizeof(*owner));
	return 0;
}

const struct conn_owner *conn_table_lookup(const struct conn_table *t, uint8_t family,
					   uint8_t proto, const uint8_t *a, uint16_t a_port,
					   const uint8_t *b, uint16_t b_port)
{
	struct flow_key key;
	struct flow *f;

	flow_key_make(&key, family, proto, a, a_port, b, b_port, addr_len(family));
	f = flow_table_find(t->flows, &key);
	return f ? f->user : NULL;
}

void conn_table_remove(struct conn_table *t, const struct conn_tuple *tuple)
{
	struct flow_key key;
	struct flow *f;

	flow_key_make(&key, tuple->family, tuple->proto, tuple->local_addr, tuple->local_port,
		      tuple->remote_addr, tuple->remote_port, addr_len(tuple->family));
	f = flow_table_find(t->flows, &key);
	if (f)
		flow_table_remove(t->flows, f);
}

void conn_table_expire(struct conn_table *t, uint64_t now_us, uint64_t idle_us)
{
	flow_table_expire(t->flows, now_us, idle_us);
}

size_t conn_table_size(const struct conn_table *t)
{
	struct flow_table_stats st;

	flow_table_get_stats(t->flows, &st);
	return st.flows;
}

void conn_table_clear(struct conn_table *t)
{
	flow_table_drain(t->flows);
}
