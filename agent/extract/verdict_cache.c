// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verdict cache (see verdict_cache.h): a set-associative table, each set a few entries
 * scanned linearly, the least recently used one replaced. Verdicts are deep-copied in and out
 * (the findings array is the only thing a struct rules_verdict owns), so the cache and its
 * callers never share a buffer that one side wipes.
 */
#include "verdict_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cache_entry {
	bool used;
	uint64_t last_use; /* tick of the last hit or store */
	struct verdict_cache_key key;
	struct rules_verdict verdict; /* findings owned */
	struct extract_result extract;
};

struct verdict_cache {
	size_t n_sets;
	uint64_t tick;
	struct verdict_cache_stats stats;
	struct cache_entry entries[]; /* n_sets * VERDICT_CACHE_WAYS */
};

struct verdict_cache *verdict_cache_new(size_t max_entries)
{
	size_t n_sets = (max_entries + VERDICT_CACHE_WAYS - 1) / VERDICT_CACHE_WAYS;
	struct verdict_cache *c;

	if (n_sets == 0)
		n_sets = 1;
	c = calloc(1, sizeof(*c) + n_sets * VERDICT_CACHE_WAYS * sizeof(c->entries[0]));
	if (!c)
		return NULL;
	c->n_sets = n_sets;
	return c;
}

static void entry_clear(struct cache_entry *e)
{
	rules_verdict_release(&e->verdict);
	explicit_bzero(e, sizeof(*e));
}

void verdict_cache_clear(struct verdict_cache *c)
{
	for (size_t i = 0; i < c->n_sets * VERDICT_CACHE_WAYS; i++)
		entry_clear(&c->entries[i]);
}

void verdict_cache_free(struct verdict_cache *c)
{
	if (!c)
		return;
	verdict_cache_clear(c);
	free(c);
}

static bool key_equal(const struct verdict_cache_key *a, const struct verdict_cache_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns;
}

static struct cache_entry *set_of(struct verdict_cache *c, const struct verdict_cache_key *key)
{
	/* FNV-1a over the fields: cheap, and inodes of one directory spread over sets */
	uint64_t h = 1469598103934665603ull;
	uint64_t parts[4] = { (uint64_t)key->dev, (uint64_t)key->ino, (uint64_t)key->size,
			      (uint64_t)key->mtime_ns };

	for (size_t i = 0; i < 4; i++) {
		for (int b = 0; b < 8; b++) {
			h ^= (parts[i] >> (b * 8)) & 0xff;
			h *= 1099511628211ull;
		}
	}
	return &c->entries[(h % c->n_sets) * VERDICT_CACHE_WAYS];
}

/* Deep copy of a verdict into dst (empty). Returns 0 or -ENOMEM. */
static int verdict_copy(struct rules_verdict *dst, const struct rules_verdict *src)
{
	*dst = *src;
	dst->findings = NULL;
	if (src->n_findings == 0)
		return 0;
	dst->findings = calloc(src->n_findings, sizeof(*dst->findings));
	if (!dst->findings) {
		dst->n_findings = 0;
		return -ENOMEM;
	}
	memcpy(dst->findings, src->findings, src->n_findings * sizeof(*dst->findings));
	return 0;
}

bool verdict_cache_lookup(struct verdict_cache *c, const struct verdict_cache_key *key,
			  struct rules_verdict *verdict, struct extract_result *extract)
{
	struct cache_entry *set = set_of(c, key);

	for (size_t i = 0; i < VERDICT_CACHE_WAYS; i++) {
		struct cache_entry *e = &set[i];

		if (!e->used || !key_equal(&e->key, key))
			continue;
		if (verdict_copy(verdict, &e->verdict))
			break;
		*extract = e->extract;
		e->last_use = ++c->tick;
		c->stats.hits++;
		return true;
	}
	c->stats.misses++;
	return false;
}

int verdict_cache_store(struct verdict_cache *c, const struct verdict_cache_key *key,
			const struct rules_verdict *verdict, const struct extract_result *extract)
{
	struct cache_entry *set = set_of(c, key), *victim = &set[0];
	struct rules_verdict copy;

	for (size_t i = 0; i < VERDICT_CACHE_WAYS; i++) {
		struct cache_entry *e = &set[i];

		if (e->used && key_equal(&e->key, key)) {
			victim = e;
			break;
		}
		if (!e->used || (victim->used && e->last_use < victim->last_use))
			victim = e;
	}
	if (verdict_copy(&copy, verdict))
		return -ENOMEM;
	if (victim->used && !key_equal(&victim->key, key))
		c->stats.evictions++;
	entry_clear(victim);
	victim->used = true;
	victim->key = *key;
	victim->verdict = copy;
	victim->extract = *extract;
	victim->last_use = ++c->tick;
	c->stats.stores++;
	return 0;
}

int64_t verdict_cache_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool verdict_cache_is_settled(int64_t mtime_ns, int64_t started_ns)
{
	struct timespec res;
	int64_t tick_ns = 10000000; /* 10 ms: one jiffy at HZ=100, the coarsest */

	if (clock_getres(CLOCK_REALTIME_COARSE, &res) == 0)
		tick_ns = (int64_t)res.tv_sec * 1000000000 + res.tv_nsec;
	return mtime_ns + tick_ns < started_ns;
}

void verdict_cache_get_stats(const struct verdict_cache *c, struct verdict_cache_stats *stats)
{
	*stats = c->stats;
}
