// SPDX-License-Identifier: GPL-2.0-only
/*
 * Verdict cache (see verdict_cache.h): a direct-mapped table of file versions.
 */
#include "verdict_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	bool used;
	struct verdict_key key;
	struct cached_verdict value;
};

struct verdict_cache {
	struct slot *slots;
	size_t n_slots; /* a power of two */
	struct verdict_cache_stats stats;
};

int verdict_copy(struct rules_verdict *dst, const struct rules_verdict *src)
{
	*dst = *src;
	dst->findings = NULL;
	if (!src->n_findings)
		return 0;
	dst->findings = calloc(src->n_findings, sizeof(*dst->findings));
	if (!dst->findings) {
		dst->n_findings = 0;
		return -ENOMEM;
	}
	memcpy(dst->findings, src->findings, src->n_findings * sizeof(*dst->findings));
	return 0;
}

struct verdict_cache *verdict_cache_new(size_t slots)
{
	struct verdict_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->n_slots = 16;
	while (c->n_slots < slots && c->n_slots < (1u << 20))
		c->n_slots <<= 1;
	c->slots = calloc(c->n_slots, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	return c;
}

static void release_slot(struct slot *s)
{
	if (s->used)
		rules_verdict_release(&s->value.verdict);
	memset(s, 0, sizeof(*s));
}

void verdict_cache_clear(struct verdict_cache *c)
{
	for (size_t i = 0; i < c->n_slots; i++)
		release_slot(&c->slots[i]);
}

void verdict_cache_free(struct verdict_cache *c)
{
	if (!c)
		return;
	verdict_cache_clear(c);
	free(c->slots);
	free(c);
}

static bool same_key(const struct verdict_key *a, const struct verdict_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns;
}

static struct slot *slot_of(struct verdict_cache *c, const struct verdict_key *k)
{
	uint64_t h = ((uint64_t)k->ino * 0x9e3779b97f4a7c15ull) ^ (uint64_t)k->dev ^
		     ((uint64_t)k->mtime_ns * 0xff51afd7ed558ccdull);

	return &c->slots[(h >> 17) & (c->n_slots - 1)];
}

const struct cached_verdict *verdict_cache_get(struct verdict_cache *c,
					       const struct verdict_key *key)
{
	struct slot *s = slot_of(c, key);

	if (s->used && same_key(&s->key, key)) {
		c->stats.hits++;
		return &s->value;
	}
	c->stats.misses++;
	return NULL;
}

int verdict_cache_put(struct verdict_cache *c, const struct verdict_key *key,
		      const struct cached_verdict *value)
{
	struct slot *s = slot_of(c, key);

	if (s->used)
		c->stats.replaced++;
	release_slot(s);
	s->value = *value;
	if (verdict_copy(&s->value.verdict, &value->verdict)) {
		memset(s, 0, sizeof(*s));
		return -ENOMEM;
	}
	s->key = *key;
	s->used = true;
	return 0;
}

void verdict_cache_get_stats(const struct verdict_cache *c, struct verdict_cache_stats *stats)
{
	*stats = c->stats;
}
