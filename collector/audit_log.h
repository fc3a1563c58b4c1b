/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The audit log (raqib:audit): who read which incident, who changed it, who searched by value,
 * who exported a case, who replayed dead letters. A Redis stream whose entries are chained:
 * each carries "prev", the hash of the entry before it, and "hash", the SHA-256 of its own
 * fields and prev (audit_entry_hash()). Editing, removing, reordering or inserting an entry
 * breaks the chain at that point, which audit_verify() finds (`raqibctl audit verify`).
 *
 * Writers never race one another into a fork: audit_append() appends only if the stream's last
 * hash is still the one it chained to (a server-side compare-and-append), and tries again
 * otherwise. Whoever can write the whole stream can rewrite the whole chain: an anchor (the
 * count and head hash of an earlier verification, kept outside Redis) shows that too
 * (docs/api.md, "The audit log").
 */
#ifndef RAQIB_COLLECTOR_AUDIT_LOG_H
#define RAQIB_COLLECTOR_AUDIT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ingest.h"

struct raqib_redis;

#define AUDIT_HASH_HEX	 65 /* 64 hex digits and NUL */
#define AUDIT_ID_MAX	 48 /* a stream id "<ms>-<n>" */
#define AUDIT_FIELDS_MAX 16

/* The hash the first entry chains to. */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

struct audit_field {
	const char *name;
	const char *value;
};

/*
 * The SHA-256 (hex, into out) of an entry's fields (in order, "prev" and "hash" excluded) and
 * the hash it chains to: "raqib-audit-v1\n" prev "\n", then "<len>:<name><len>:<value>" for
 * each field, so that no two entries encode alike.
 */
void audit_entry_hash(const char *prev, const struct stream_field *fields, size_t n,
		      char out[AUDIT_HASH_HEX]);

/*
 * Appends an entry with these fields (at most AUDIT_FIELDS_MAX, names other than "prev" and
 * "hash"), chained to the stream's last entry. Returns 0, -EINVAL (bad fields) or -EIO (Redis;
 * the entry is not written).
 */
int audit_append(struct raqib_redis *r, const struct audit_field *fields, size_t n);

/* What audit_verify() found. */
struct audit_check {
	uint64_t entries; /* entries read */
	uint64_t unchained; /* entries before the chain began (written by older versions) */
	char head[AUDIT_HASH_HEX]; /* the last entry's hash */
	char head_id[AUDIT_ID_MAX];
	bool broken;
	char bad_id[AUDIT_ID_MAX]; /* the first entry that does not hold */
	char reason[160];
	/* an anchor to find again (AUDIT_GENESIS-less when not asked): count and hash */
	uint64_t anchor_entries;
	char anchor_hash[AUDIT_HASH_HEX];
	bool anchor_found;
};

/*
 * Reads the whole stream in order and checks every link. With check->anchor_entries set, also
 * checks that entry number anchor_entries (from 1) has hash anchor_hash (an earlier head: the
 * log was not rewritten nor cut since). Returns 0 (look at check->broken), or -EIO.
 */
int audit_verify(struct raqib_redis *r, struct audit_check *check);

/*
 * Entries newest first, from *cursor (a stream id, exclusive; "" for the newest), at most
 * limit; only those whose field match_name equals match_value when match_name is not NULL
 * (then at most scan_max entries are read: *cursor says where to go on). fn gets the entry's
 * id and fields (borrowed). On return *cursor is the next page's ("" once the start was
 * reached). Returns the count given, -EINVAL (bad cursor) or -EIO.
 */
typedef int (*audit_entry_fn)(void *ctx, const char *id, const struct stream_field *fields,
			      size_t n);
int audit_list(struct raqib_redis *r, const char *match_name, const char *match_value, size_t limit,
	       size_t scan_max, char cursor[AUDIT_ID_MAX], audit_entry_fn fn, void *ctx);

/* An entry as a JSON object: "id" and every field (strings). NULL on ENOMEM. */
json_t *audit_entry_json(const char *id, const struct stream_field *fields, size_t n);

/* True for a stream id as Redis writes them ("<ms>-<seq>"). */
bool audit_id_is_valid(const char *id);

#endif /* RAQIB_COLLECTOR_AUDIT_LOG_H */
