/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Verdicts of files already inspected, by file version (device, inode, size, mtime): apps open
 * the same files again and again (an Electron app opens its own resources at every start, a file
 * picker reads a document for a preview, then to send it), and each version is inspected once.
 * Direct-mapped and bounded: a colliding version replaces the older one. Entries hold findings
 * (personal data): they are wiped when replaced or freed.
 */
#ifndef RAQIB_AGENT_VERDICT_CACHE_H
#define RAQIB_AGENT_VERDICT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "raqib/rules.h"
#include "extract/extract.h"

struct verdict_cache;

struct verdict_key {
	dev_t dev;
	ino_t ino;
	int64_t size;
	int64_t mtime_ns;
};

/* What inspecting a file version concluded. */
struct cached_verdict {
	struct rules_verdict verdict; /* owned by the cache */
	enum extract_status status;
	unsigned char sha256[32];
	bool sha256_complete;
};

struct verdict_cache_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t replaced;
};

/* A cache of slots entries (rounded up to a power of two). NULL + errno. */
struct verdict_cache *verdict_cache_new(size_t slots);
void verdict_cache_free(struct verdict_cache *cache);

/* The entry for key, or NULL; valid until the next put or clear. */
const struct cached_verdict *verdict_cache_get(struct verdict_cache *cache,
					       const struct verdict_key *key);

/*
 * Stores a copy of what inspecting key concluded (the caller keeps value). Returns 0 or -ENOMEM
 * (nothing is cached then).
 */
int verdict_cache_put(struct verdict_cache *cache, const struct verdict_key *key,
		      const struct cached_verdict *value);

/* Forgets every entry (after a rules reload: verdicts depend on the rules). */
void verdict_cache_clear(struct verdict_cache *cache);

void verdict_cache_get_stats(const struct verdict_cache *cache, struct verdict_cache_stats *stats);

/* Copies src into dst (findings duplicated). Returns 0 or -ENOMEM (dst then empty). */
int verdict_copy(struct rules_verdict *dst, const struct rules_verdict *src);

#endif /* RAQIB_AGENT_VERDICT_CACHE_H */
