// SPDX-License-Identifier: GPL-2.0-only
/*
 * Flow table (see flow_table.h): a chained hash over canonical 5-tuples plus a doubly linked
 * LRU list, most recent at the head. Expiry walks from the tail and stops at the first flow
 * still active, so its cost is the number of flows released.
 */
#include "flow_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct flow_table {
	struct flow **buckets;
	size_t n_buckets; /* a power of two */
	size_t count;
	size_t max_flows;
	struct flow *lru_head, *lru_tail;
	flow_release_fn release;
	void *release_ctx;
	struct flow_table_stats stats;
};

/* FNV-1a over the key bytes; the key has no uninitialised padding (flow_key_make zeroes it). */
static size_t hash_key(const struct flow_key *key)
{
	const uint8_t *p = (const uint8_t *)key;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof(*key); i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

struct flow_table *flow_table_new(size_t max_flows, flow_release_fn release, void *ctx)
{
	struct flow_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n_buckets = 256;
	while (t->n_buckets < max_flows && t->n_buckets < (1u << 22))
		t->n_buckets <<= 1;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->max_flows = max_flows ? max_flows : 1;
	t->release = release;
	t->release_ctx = ctx;
	return t;
}

void flow_key_make(struct flow_key *key, uint8_t family, uint8_t proto, const uint8_t *src,
		   uint16_t sport, const uint8_t *dst, uint16_t dport, size_t addr_len)
{
	int cmp = memcmp(src, dst, addr_len);
	bool src_lo = cmp < 0 || (cmp == 0 && sport <= dport);

	memset(key, 0, sizeof(*key));
	key->family = family;
	key->proto = proto;
	memcpy(key->addr_lo, src_lo ? src : dst, addr_len);
	memcpy(key->addr_hi, src_lo ? dst : src, addr_len);
	key->port_lo = src_lo ? sport : dport;
	key->port_hi = src_lo ? dport : sport;
}

static void lru_unlink(struct flow_table *t, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		t->lru_head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		t->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_push_head(struct flow_table *t, struct flow *f)
{
	f->lru_prev = NULL;
	f->lru_next = t->lru_head;
	if (t->lru_head)
		t->lru_head->lru_prev = f;
	t->lru_head = f;
	if (!t->lru_tail)
		t->lru_tail = f;
}

static void unlink_and_free(struct flow_table *t, struct flow *f, enum flow_end why)
{
	struct flow **link = &t->buckets[hash_key(&f->key) & (t->n_buckets - 1)];

	if (t->release)
		t->release(t->release_ctx, f, why);
	while (*link && *link != f)
		link = &(*link)->hash_next;
	if (*link)
		*link = f->hash_next;
	lru_unlink(t, f);
	t->count--;
	free(f);
}

struct flow *flow_table_get(struct flow_table *t, const struct flow_key *key, const uint8_t *src,
			    uint16_t sport, const uint8_t *dst, uint16_t dport, uint64_t now_us,
			    bool *created)
{
	size_t b = hash_key(key) & (t->n_buckets - 1);
	size_t addr_len = key->family == AF_INET ? 4 : 16;
	struct flow *f;

	*created = false;
	for (f = t->buckets[b]; f; f = f->hash_next) {
		if (memcmp(&f->key, key, sizeof(*key)) == 0) {
			lru_unlink(t, f);
			lru_push_head(t, f);
			f->last_us = now_us;
			return f;
		}
	}
	if (t->count >= t->max_flows && t->lru_tail) {
		t->stats.evicted++;
		unlink_and_free(t, t->lru_tail, FLOW_END_EVICTED);
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = *key;
	memcpy(f->client_addr, src, addr_len);
	memcpy(f->server_addr, dst, addr_len);
	f->client_port = sport;
	f->server_port = dport;
	f->first_us = f->last_us = now_us;
	f->hash_next = t->buckets[b];
	t->buckets[b] = f;
	lru_push_head(t, f);
	t->count++;
	t->stats.created++;
	*created = true;
	return f;
}

struct flow *flow_table_find(const struct flow_table *t, const struct flow_key *key)
{
	struct flow *f = t->buckets[hash_key(key) & (t->n_buckets - 1)];

	while (f && memcmp(&f->key, key, sizeof(*key)) != 0)
		f = f->hash_next;
	return f;
}

enum flow_dir flow_direction(const struct flow *f, const uint8_t *src, uint16_t sport)
{
	size_t addr_len = f->key.family == AF_INET ? 4 : 16;

	if (sport == f->client_port && memcmp(src, f->client_addr, addr_len) == 0)
		return FLOW_DIR_TO_SERVER;
	return FLOW_DIR_TO_CLIENT;
}

void flow_table_expire(struct flow_table *t, uint64_t now_us, uint64_t idle_us)
{
	while (t->lru_tail && t->lru_tail->last_us + idle_us < now_us) {
		t->stats.expired++;
		unlink_and_free(t, t->lru_tail, FLOW_END_EXPIRED);
	}
}

void flow_table_remove(struct flow_table *t, struct flow *f)
{
	unlink_and_free(t, f, FLOW_END_CLOSED);
}

void flow_table_drain(struct flow_table *t)
{
	while (t->lru_tail)
		unlink_and_free(t, t->lru_tail, FLOW_END_DRAINED);
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	flow_table_drain(t);
	free(t->buckets);
	free(t);
}

void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *stats)
{
	*stats = t->stats;
	stats->flows = t->count;
}

bool flow_table_check(const struct flow_table *t)
{
	size_t in_hash = 0, in_lru = 0;
	const struct flow *prev = NULL;

	for (size_t i = 0; i < t->n_buckets; i++)
		for (const struct flow *f = t->buckets[i]; f; f = f->hash_next) {
			if ((hash_key(&f->key) & (t->n_buckets - 1)) != i)
				return false;
			in_hash++;
		}
	for (const struct flow *f = t->lru_head; f; f = f->lru_next) {
		if (f->lru_prev != prev)
			return false;
		prev = f;
		in_lru++;
	}
	return prev == t->lru_tail && in_hash == t->count && in_lru == t->count &&
	       t->count <= t->max_flows;
}
