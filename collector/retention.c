// SPDX-License-Identifier: GPL-2.0-only
/*
 * Retention (see retention.h). Keys are found with SCAN on every master (a cluster's keys are
 * spread over them), in batches, so that Redis is never blocked by one long command.
 */
#include "retention.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "collector.h"
#include "raqib/log.h"
#include "raqib/redis_cluster.h"
#include "raqib/schema.h"

#define BATCH 500

struct keys {
	char **k;
	size_t n, cap;
	const char *pattern;
};

static int scan_node(void *ctx, redisContext *node)
{
	struct keys *ks = ctx;
	char cursor[32] = "0";

	do {
		redisReply *r =
			redisCommand(node, "SCAN %s MATCH %s COUNT 1000", cursor, ks->pattern);

		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
			freeReplyObject(r);
			return -EIO;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (size_t i = 0; i < r->element[1]->elements; i++) {
			const char *k = r->element[1]->element[i]->str;

			if (ks->n == ks->cap) {
				size_t cap = ks->cap ? 2 * ks->cap : 256;
				char **more = reallocarray(ks->k, cap, sizeof(*more));

				if (!more) {
					freeReplyObject(r);
					return -ENOMEM;
				}
				ks->k = more;
				ks->cap = cap;
			}
			ks->k[ks->n] = strdup(k);
			if (ks->k[ks->n])
				ks->n++;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

static void keys_free(struct keys *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		free(ks->k[i]);
	free(ks->k);
}

static int find_keys(struct collector *c, const char *pattern, struct keys *out)
{
	memset(out, 0, sizeof(*out));
	out->pattern = pattern;
	return raqib_redis_for_each_master(store_redis(c->store), scan_node, out);
}

static redisReply *run(struct collector *c, const char *key, int argc, const char **argv)
{
	redisReply *r = raqib_redis_command(store_redis(c->store), key, argc, argv, NULL);

	if (!r || r->type == REDIS_REPLY_ERROR) {
		log_error("retention", "%s: %s", argv[0],
			  r ? r->str : raqib_redis_error(store_redis(c->store)));
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* Runs "CMD <key> A1 A2" on every key of the pattern; returns the sum of the integer replies. */
static long long each_key(struct collector *c, const char *pattern, const char *cmd,
			  const char *a1, const char *a2)
{
	struct keys ks;
	long long removed = 0;

	if (find_keys(c, pattern, &ks)) {
		keys_free(&ks);
		return -EIO;
	}
	for (size_t i = 0; i < ks.n; i++) {
		const char *argv[] = { cmd, ks.k[i], a1, a2 };
		redisReply *r = run(c, ks.k[i], 4, argv);

		if (!r) {
			removed = -EIO;
			break;
		}
		removed += r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
		freeReplyObject(r);
	}
	keys_free(&ks);
	return removed;
}

/* Members older than cutoff of every sorted set of the pattern (empty sets are gone). */
static long long trim_sorted_sets(struct collector *c, const char *pattern, int64_t cutoff)
{
	char max[32];

	snprintf(max, sizeof(max), "(%" PRId64, cutoff);
	return each_key(c, pattern, "ZREMRANGEBYSCORE", "-inf", max);
}

/* The stored alerts of each site older than cutoff: their documents, then their index entry. */
static long long expire_alerts(struct collector *c, int64_t cutoff)
{
	struct keys ks;
	char max[32];
	long long removed = 0;

	if (find_keys(c, RAQIB_KEY_PREFIX "{" RAQIB_TAG_SITE "*}:alerts", &ks)) {
		keys_free(&ks);
		return -EIO;
	}
	snprintf(max, sizeof(max), "(%" PRId64, cutoff);
	for (size_t i = 0; i < ks.n && removed >= 0; i++) {
		size_t plen = strlen(ks.k[i]) - strlen("alerts");

		for (;;) {
			const char *argv[] = { "ZRANGEBYSCORE", ks.k[i], "-inf", max,
					       "LIMIT",		"0",	 "500" };
			redisReply *r = run(c, ks.k[i], 7, argv);
			const char **del;
			const char **zrem;
			char(*names)[RAQIB_KEY_MAX];
			size_t n;

			if (!r) {
				removed = -EIO;
				break;
			}
			n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
			del = calloc(n + 1, sizeof(*del));
			zrem = calloc(n + 2, sizeof(*zrem));
			names = calloc(n + 1, sizeof(*names));
			if (n == 0 || !del || !zrem || !names) {
				free(del);
				free(zrem);
				free(names);
				freeReplyObject(r);
				break;
			}
			del[0] = "DEL";
			zrem[0] = "ZREM";
			zrem[1] = ks.k[i];
			for (size_t k = 0; k < n; k++) {
				snprintf(names[k], sizeof(names[k]), "%.*sa:%s", (int)plen, ks.k[i],
					 r->element[k]->str);
				del[k + 1] = names[k];
				zrem[k + 2] = r->element[k]->str;
			}
			{
				redisReply *a = run(c, ks.k[i], (int)n + 1, del);
				redisReply *b = a ? run(c, ks.k[i], (int)n + 2, zrem) : NULL;

				removed = a && b ? removed + (long long)n : -EIO;
				freeReplyObject(a);
				freeReplyObject(b);
			}
			free(del);
			free(zrem);
			free(names);
			freeReplyObject(r);
			if (removed < 0 || n < 500)
				break;
		}
	}
	keys_free(&ks);
	return removed;
}

/* Incidents whose last change is older than cutoff: their hash, timeline and notes. */
static long long expire_incidents(struct collector *c, int64_t cutoff)
{
	char max[32];
	const char *argv[] = { "ZRANGEBYSCORE", RAQIB_KEY_INCIDENTS, "-inf", max, "LIMIT", "0",
			       "1000" };
	long long removed = 0;

	snprintf(max, sizeof(max), "(%" PRId64, cutoff);
	for (;;) {
		redisReply *r = run(c, RAQIB_KEY_INCIDENTS, 7, argv);
		size_t n;

		if (!r)
			return -EIO;
		n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
		for (size_t i = 0; i < n; i++) {
			const char *id = r->element[i]->str, *colon = strrchr(id, ':');
			char key[RAQIB_KEY_MAX + 32], tl[RAQIB_KEY_MAX + 40];
			char notes[RAQIB_KEY_MAX + 40], tag[RAQIB_KEY_MAX];
			const char *zrem[] = { "ZREM", RAQIB_KEY_INCIDENTS, id };
			redisReply *x;

			if (!colon || (size_t)(colon - id) >= sizeof(tag) - 8)
				continue;
			snprintf(tag, sizeof(tag), "%.*s", (int)(colon - id), id);
			snprintf(key, sizeof(key), RAQIB_KEY_PREFIX "{%s}:inc:%s", tag, colon + 1);
			snprintf(tl, sizeof(tl), "%s:tl", key);
			snprintf(notes, sizeof(notes), "%s:notes", key);
			{
				const char *del[] = { "DEL", key, tl, notes };

				x = run(c, key, 4, del);
				freeReplyObject(x);
			}
			x = run(c, RAQIB_KEY_INCIDENTS, 3, zrem);
			freeReplyObject(x);
			removed++;
		}
		freeReplyObject(r);
		if (n < 1000)
			break;
	}
	return removed;
}

/* Entries older than cutoff of every stream of the pattern. */
static long long trim_streams(struct collector *c, const char *pattern, int64_t cutoff)
{
	char minid[40];

	snprintf(minid, sizeof(minid), "%" PRId64 "-0", cutoff);
	return each_key(c, pattern, "XTRIM", "MINID", minid);
}

long long retention_run(struct collector *c)
{
	int64_t now = collector_now_ms(c);
	long long alerts, tl, docs, vals, inc, dead, gaps, audit_total;

	alerts = expire_alerts(c, now - c->cfg.keep_alerts_ms);
	tl = trim_sorted_sets(c, RAQIB_KEY_PREFIX "{" RAQIB_TAG_SITE "*}:tl:*",
			      now - c->cfg.keep_indexes_ms);
	docs = trim_sorted_sets(c, RAQIB_KEY_PREFIX "{" RAQIB_TAG_DOCUMENT "*}:alerts",
				now - c->cfg.keep_indexes_ms);
	vals = trim_sorted_sets(c, RAQIB_KEY_PREFIX "{" RAQIB_TAG_VALUE "*}:alerts",
				now - c->cfg.keep_indexes_ms);
	inc = expire_incidents(c, now - c->cfg.keep_incidents_ms);
	/* dead letters and gap records carry stream ids of Redis's clock: close enough */
	dead = trim_streams(c, RAQIB_KEY_PREFIX "{" RAQIB_TAG_SITE "*}:dead",
			    now - c->cfg.keep_dead_letters_ms);
	gaps = trim_streams(c, RAQIB_KEY_PREFIX "{" RAQIB_TAG_SITE "*}:gaps",
			    now - c->cfg.keep_indexes_ms);
	if (alerts < 0 || tl < 0 || docs < 0 || vals < 0 || inc < 0 || dead < 0 || gaps < 0)
		return -EIO;
	audit_total = alerts + tl + docs + vals + inc + dead + gaps;
	log_info(
		"retention",
		"removed %lld alerts, %lld timeline entries, %lld provenance and %lld value index entries, %lld incidents, %lld dead letters, %lld gap records",
		alerts, tl, docs, vals, inc, dead, gaps);
	return audit_total;
}
