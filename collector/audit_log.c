// SPDX-License-Identifier: GPL-2.0-only
/* The hash-chained audit log (see audit_log.h). */
#include "audit_log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "raqib/redis_cluster.h"
#include "raqib/schema.h"

#define APPEND_TRIES 20
#define VERIFY_PAGE  "1000"

/*
 * Compare-and-append: KEYS[1] the stream, ARGV[1] the hash the new entry chains to, then the
 * entry's field/value pairs. Appends only if the stream's last entry still has that hash (or
 * the stream is empty, or its last entry is unchained, and ARGV[1] is the genesis); answers
 * {1, id}, or {0, the last hash} for the writer to chain again. Lua in Redis has no SHA-256, so
 * the hash is computed by the writer and only compared here.
 */
static const char append_script[] =
	"local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)\n"
	"local head = '" AUDIT_GENESIS "'\n"
	"if #last > 0 then\n"
	"  local f = last[1][2]\n"
	"  for i = 1, #f, 2 do if f[i] == 'hash' then head = f[i + 1] end end\n"
	"end\n"
	"if head ~= ARGV[1] then return {0, head} end\n"
	"local args = {'XADD', KEYS[1], '*'}\n"
	"for i = 2, #ARGV do args[#args + 1] = ARGV[i] end\n"
	"return {1, redis.call(unpack(args))}\n";

static void update_field(EVP_MD_CTX *md, const char *p, size_t len)
{
	char prefix[24];
	int n = snprintf(prefix, sizeof(prefix), "%zu:", len);

	EVP_DigestUpdate(md, prefix, (size_t)n);
	EVP_DigestUpdate(md, p, len);
}

static bool is_chain_field(const struct stream_field *f)
{
	return (f->name_len == 4 && memcmp(f->name, "prev", 4) == 0) ||
	       (f->name_len == 4 && memcmp(f->name, "hash", 4) == 0);
}

void audit_entry_hash(const char *prev, const struct stream_field *fields, size_t n,
		      char out[AUDIT_HASH_HEX])
{
	static const char tag[] = "raqib-audit-v1\n";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	out[0] = '\0';
	if (!ctx)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		EVP_DigestUpdate(ctx, tag, sizeof(tag) - 1);
		EVP_DigestUpdate(ctx, prev, strlen(prev));
		EVP_DigestUpdate(ctx, "\n", 1);
		for (size_t i = 0; i < n; i++) {
			if (is_chain_field(&fields[i]))
				continue;
			update_field(ctx, fields[i].name, fields[i].name_len);
			update_field(ctx, fields[i].value, fields[i].value_len);
		}
		if (EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32)
			for (unsigned i = 0; i < md_len; i++)
				snprintf(out + 2 * i, 3, "%02x", md[i]);
	}
	EVP_MD_CTX_free(ctx);
}

int audit_append(struct raqib_redis *r, const struct audit_field *fields, size_t n)
{
	struct stream_field sf[AUDIT_FIELDS_MAX];
	char prev[AUDIT_HASH_HEX] = AUDIT_GENESIS, hash[AUDIT_HASH_HEX];
	const char *argv[5 + 2 * AUDIT_FIELDS_MAX + 4];
	int rc = -EIO;

	if (n == 0 || n > AUDIT_FIELDS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!fields[i].name || !fields[i].value || !fields[i].name[0])
			return -EINVAL;
		sf[i] = (struct stream_field){ fields[i].name, strlen(fields[i].name),
					       fields[i].value, strlen(fields[i].value) };
		if (is_chain_field(&sf[i]))
			return -EINVAL;
	}
	argv[0] = "EVAL";
	argv[1] = append_script;
	argv[2] = "1";
	argv[3] = RAQIB_KEY_AUDIT;
	argv[4] = prev;
	for (size_t i = 0; i < n; i++) {
		argv[5 + 2 * i] = fields[i].name;
		argv[6 + 2 * i] = fields[i].value;
	}
	argv[5 + 2 * n] = "prev";
	argv[6 + 2 * n] = prev;
	argv[7 + 2 * n] = "hash";
	argv[8 + 2 * n] = hash;
	for (int tries = 0; tries < APPEND_TRIES; tries++) {
		redisReply *rep;

		audit_entry_hash(prev, sf, n, hash);
		rep = raqib_redis_command(r, RAQIB_KEY_AUDIT, (int)(9 + 2 * n), argv, NULL);
		if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
		    rep->element[0]->type != REDIS_REPLY_INTEGER ||
		    rep->element[1]->type != REDIS_REPLY_STRING) {
			freeReplyObject(rep);
			return -EIO;
		}
		if (rep->element[0]->integer == 1) {
			freeReplyObject(rep);
			return 0;
		}
		/* another writer appended first: chain to its entry */
		snprintf(prev, sizeof(prev), "%s", rep->element[1]->str);
		freeReplyObject(rep);
	}
	return rc;
}

json_t *audit_entry_json(const char *id, const struct stream_field *f, size_t n)
{
	json_t *o = json_pack("{s:s}", "id", id);

	for (size_t i = 0; o && i < n; i++) {
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)f[i].name_len, f[i].name);
		if (json_object_set_new(o, key, json_stringn(f[i].value, f[i].value_len))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

bool audit_id_is_valid(const char *id)
{
	size_t a = strspn(id, "0123456789");

	return a > 0 && a <= 20 && id[a] == '-' && strspn(id + a + 1, "0123456789") > 0 &&
	       strspn(id + a + 1, "0123456789") <= 20 &&
	       id[a + 1 + strspn(id + a + 1, "0123456789")] == '\0';
}

/* The fields of one XRANGE entry (an array [id, [name, value, ...]]) into f. */
static size_t entry_fields(const redisReply *e, struct stream_field *f, size_t max)
{
	const redisReply *kv;
	size_t n = 0;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING)
		return 0;
	kv = e->element[1];
	for (size_t i = 0; kv->type == REDIS_REPLY_ARRAY && i + 1 < kv->elements && n < max;
	     i += 2) {
		if (kv->element[i]->type != REDIS_REPLY_STRING ||
		    kv->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		f[n++] = (struct stream_field){ kv->element[i]->str, kv->element[i]->len,
						kv->element[i + 1]->str, kv->element[i + 1]->len };
	}
	return n;
}

static void field_copy(const struct stream_field *f, size_t n, const char *name, char *out,
		       size_t len)
{
	const struct stream_field *x = ingest_find_field(f, n, name);

	out[0] = '\0';
	if (x)
		snprintf(out, len, "%.*s", (int)x->value_len, x->value);
}

/* One entry against the chain so far; fills the reason when it does not hold. */
static void check_entry(struct audit_check *c, const char *id, const struct stream_field *f,
			size_t n, bool *chained)
{
	char prev[AUDIT_HASH_HEX + 8], hash[AUDIT_HASH_HEX + 8], want[AUDIT_HASH_HEX];

	c->entries++;
	field_copy(f, n, "prev", prev, sizeof(prev));
	field_copy(f, n, "hash", hash, sizeof(hash));
	if (c->broken)
		return;
	if (!hash[0] && !prev[0]) {
		if (!*chained) {
			c->unchained++; /* written before the chain began */
			return;
		}
		c->broken = true;
		snprintf(c->reason, sizeof(c->reason),
			 "an entry without a chain after chained ones");
		goto bad;
	}
	if (strcmp(prev, *chained ? c->head : AUDIT_GENESIS) != 0) {
		c->broken = true;
		snprintf(
			c->reason, sizeof(c->reason),
			"its prev is not the hash of the entry before it: an entry was removed, inserted or moved");
		goto bad;
	}
	audit_entry_hash(prev, f, n, want);
	if (strcmp(want, hash) != 0) {
		c->broken = true;
		snprintf(c->reason, sizeof(c->reason),
			 "its hash does not match its fields: the entry was altered");
		goto bad;
	}
	*chained = true;
	/* a hash that matched is 64 hex digits */
	snprintf(c->head, sizeof(c->head), "%.64s", hash);
	snprintf(c->head_id, sizeof(c->head_id), "%.47s", id);
	if (c->anchor_entries && c->entries == c->anchor_entries &&
	    strcmp(hash, c->anchor_hash) == 0)
		c->anchor_found = true;
	return;
bad:
	snprintf(c->bad_id, sizeof(c->bad_id), "%.47s", id);
}

int audit_verify(struct raqib_redis *r, struct audit_check *c)
{
	char from[AUDIT_ID_MAX + 2] = "-";
	const char *argv[] = { "XRANGE", RAQIB_KEY_AUDIT, from, "+", "COUNT", VERIFY_PAGE };
	struct stream_field f[64];
	bool chained = false;

	c->entries = 0;
	c->unchained = 0;
	c->broken = false;
	c->anchor_found = false;
	c->head[0] = c->head_id[0] = c->bad_id[0] = c->reason[0] = '\0';
	for (;;) {
		redisReply *rep = raqib_redis_command(r, RAQIB_KEY_AUDIT, 6, argv, NULL);
		size_t got;

		if (!rep || rep->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(rep);
			return -EIO;
		}
		got = rep->elements;
		for (size_t i = 0; i < got; i++) {
			const redisReply *e = rep->element[i];
			size_t n = entry_fields(e, f, sizeof(f) / sizeof(f[0]));

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
				continue;
			check_entry(c, e->element[0]->str, f, n, &chained);
			snprintf(from, sizeof(from), "(%s", e->element[0]->str);
		}
		freeReplyObject(rep);
		if (got < (size_t)atoi(VERIFY_PAGE))
			break;
	}
	return 0;
}

int audit_list(struct raqib_redis *r, const char *match_name, const char *match_value, size_t limit,
	       size_t scan_max, char cursor[AUDIT_ID_MAX], audit_entry_fn fn, void *ctx)
{
	char to[AUDIT_ID_MAX + 2], count[24];
	const char *argv[] = { "XREVRANGE", RAQIB_KEY_AUDIT, to, "-", "COUNT", count };
	struct stream_field f[64];
	size_t given = 0, scanned = 0;
	bool done = false;

	if (cursor[0] && !audit_id_is_valid(cursor))
		return -EINVAL;
	if (limit == 0)
		return -EINVAL;
	if (cursor[0])
		snprintf(to, sizeof(to), "(%s", cursor);
	else
		snprintf(to, sizeof(to), "+");
	while (!done) {
		size_t page = match_name ? 500 : limit - given;
		redisReply *rep;

		snprintf(count, sizeof(count), "%zu", page);
		rep = raqib_redis_command(r, RAQIB_KEY_AUDIT, 6, argv, NULL);
		if (!rep || rep->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(rep);
			return -EIO;
		}
		size_t i;

		for (i = 0; i < rep->elements; i++) {
			const redisReply *e = rep->element[i];
			size_t n = entry_fields(e, f, sizeof(f) / sizeof(f[0]));
			const struct stream_field *m;

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
				continue;
			snprintf(cursor, AUDIT_ID_MAX, "%s", e->element[0]->str);
			snprintf(to, sizeof(to), "(%s", e->element[0]->str);
			scanned++;
			m = match_name ? ingest_find_field(f, n, match_name) : NULL;
			if (!match_name || (m && m->value_len == strlen(match_value) &&
					    memcmp(m->value, match_value, m->value_len) == 0)) {
				if (fn(ctx, e->element[0]->str, f, n) < 0) {
					done = true;
					break;
				}
				given++;
			}
			if (given == limit || (match_name && scanned >= scan_max)) {
				done = true;
				break;
			}
		}
		if (rep->elements < page && (i == rep->elements || i + 1 == rep->elements)) {
			cursor[0] = '\0'; /* the start of the log, all of it given */
			done = true;
		}
		freeReplyObject(rep);
	}
	return (int)given;
}
