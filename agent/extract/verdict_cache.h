/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Verdicts of files already inspected, keyed by the file version: (device, inode, size,
 * mtime). A messaging app opens the same file several times (preview, thumbnail, upload) and
 * several apps may send the same file: each version is extracted and scanned once. The entry
 * keeps the verdict and the extraction result (type, status, SHA-256 of the file).
 *
 * A version whose mtime is within one clock tick of the inspection is not cached: a write in
 * that same tick would keep mtime and perhaps size (the "racy git" problem), and the cache
 * would then answer for content it never saw. See verdict_cache_is_settled().
 *
 * Bounded: sets of VERDICT_CACHE_WAYS entries, least recently used evicted. Entries hold
 * personal data (findings' values): they are wiped on eviction and when the cache is freed.
 * Not thread-safe; one per rules (a verdict is only valid for the rules that made it).
 */
#ifndef RAQIB_AGENT_EXTRACT_VERDICT_CACHE_H
#define RAQIB_AGENT_EXTRACT_VERDICT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "raqib/rules.h"
#include "extract.h"

#define VERDICT_CACHE_WAYS 8

struct verdict_cache;

struct verdict_cache_key {
	dev_t dev;
	ino_t ino;
	int64_t size;
	int64_t mtime_ns;
};

struct verdict_cache_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t stores;
	uint64_t evictions;
};

/* A cache of at least max_entries entries (rounded up to whole sets). NULL + errno. */
struct verdict_cache *verdict_cache_new(size_t max_entries);

/* Wipes every entry and frees the cache; accepts NULL. */
void verdict_cache_free(struct verdict_cache *cache);

/* Wipes every entry (verdicts of rules that were just replaced); statistics are kept. */
void verdict_cache_clear(struct verdict_cache *cache);

/*
 * Looks the version up. On a hit returns true and fills verdict with a copy the caller
 * releases with rules_verdict_release(), and extract with the stored result; on a miss, or
 * when the copy cannot be allocated, returns false and leaves both untouched.
 */
bool verdict_cache_lookup(struct verdict_cache *cache, const struct verdict_cache_key *key,
			  struct rules_verdict *verdict, struct extract_result *extract);

/* Stores copies of verdict and extract for key (replacing an older entry). 0 or -ENOMEM. */
int verdict_cache_store(struct verdict_cache *cache, const struct verdict_cache_key *key,
			const struct rules_verdict *verdict, const struct extract_result *extract);

/*
 * True when a file of this mtime, inspected from started_ns on (CLOCK_REALTIME_COARSE, the
 * clock file times come from), can be cached: mtime is more than one clock tick older.
 */
bool verdict_cache_is_settled(int64_t mtime_ns, int64_t started_ns);

/* The coarse realtime clock file times are taken from, in ns. */
int64_t verdict_cache_now_ns(void);

void verdict_cache_get_stats(const struct verdict_cache *cache, struct verdict_cache_stats *stats);

#endif /* RAQIB_AGENT_EXTRACT_VERDICT_CACHE_H */
