// SPDX-License-Identifier: GPL-2.0-only
/*
 * Redis storage for the collector (see store.h). An alert is stored and its stream entry
 * acknowledged in the same MULTI/EXEC, so a collector that dies between the two never loses an
 * alert (the entry stays pending and is read again) nor stores one twice (SET NX keyed by agent
 * and sequence).
 */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "raqib/redis_conn.h"
#include "raqib/schema.h"

/* Fields per stream entry we look at; entries with more are read up to this. */
#define MAX_FIELDS 16

struct store {
	redisContext *redis;
	char error[256];
};

struct store *store_connect(const struct raqib_redis_addr *addr, int timeout_ms, char *err,
			    size_t err_len)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	s->redis = raqib_redis_connect(addr, timeout_ms, err, err_len);
	if (!s->redis) {
		free(s);
		return NULL;
	}
	return s;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	if (s->redis)
		redisFree(s->redis);
	free(s);
}

const char *store_error(const struct store *s)
{
	return s->error;
}

/* Runs a command; returns the reply or NULL with s->error set (NULL reply or error reply). */
static redisReply *command(struct store *s, int argc, const char **argv, const size_t *argvlen)
{
	redisReply *r = redisCommandArgv(s->redis, argc, argv, argvlen);

	if (!r) {
		snprintf(s->error, sizeof(s->error), "redis connection lost: %s",
			 s->redis->errstr[0] ? s->redis->errstr : "no reply");
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(s->error, sizeof(s->error), "redis error: %.200s", r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

static void fill_lens(int argc, const char **argv, size_t *lens)
{
	for (int i = 0; i < argc; i++)
		if (lens[i] == 0)
			lens[i] = strlen(argv[i]);
}

int store_ensure_group(struct store *s)
{
	redisReply *r = redisCommand(s->redis, "XGROUP CREATE %s %s 0 MKSTREAM",
				     RAQIB_STREAM_EVENTS, RAQIB_GROUP_COLLECTORS);

	if (!r) {
		snprintf(s->error, sizeof(s->error), "redis connection lost: %s", s->redis->errstr);
		return -EIO;
	}
	/* BUSYGROUP: another collector created it first, which is what we want */
	if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9) != 0) {
		snprintf(s->error, sizeof(s->error), "cannot create consumer group: %.200s", r->str);
		freeReplyObject(r);
		return -EIO;
	}
	freeReplyObject(r);
	return 0;
}

static int handle_entry(const redisReply *entry, store_entry_fn fn, void *ctx)
{
	struct stream_field fields[MAX_FIELDS];
	const redisReply *kv;
	size_t n = 0;

	if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
	    entry->element[0]->type != REDIS_REPLY_STRING)
		return 0;
	kv = entry->element[1];
	/* An entry deleted while pending comes back with a nil field list. */
	if (kv->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i + 1 < kv->elements && n < MAX_FIELDS; i += 2) {
			if (kv->element[i]->type != REDIS_REPLY_STRING ||
			    kv->element[i + 1]->type != REDIS_REPLY_STRING)
				continue;
			fields[n].name = kv->element[i]->str;
			fields[n].name_len = kv->element[i]->len;
			fields[n].value = kv->element[i + 1]->str;
			fields[n].value_len = kv->element[i + 1]->len;
			n++;
		}
	}
	return fn(ctx, entry->element[0]->str, fields, n);
}

int store_read(struct store *s, const char *consumer, bool pending, int block_ms, size_t count,
	       store_entry_fn fn, void *ctx)
{
	char count_text[24], block_text[24];
	const char *argv[11] = { "XREADGROUP", "GROUP", RAQIB_GROUP_COLLECTORS, consumer, "COUNT",
				 count_text };
	size_t lens[11] = { 0 };
	const redisReply *entries;
	redisReply *r;
	int argc = 6, n = 0;

	snprintf(count_text, sizeof(count_text), "%zu", count);
	if (!pending && block_ms > 0) {
		snprintf(block_text, sizeof(block_text), "%d", block_ms);
		argv[argc++] = "BLOCK";
		argv[argc++] = block_text;
	}
	argv[argc++] = "STREAMS";
	argv[argc++] = RAQIB_STREAM_EVENTS;
	argv[argc++] = pending ? "0" : ">";
	fill_lens(argc, argv, lens);
	r = command(s, argc, argv, lens);
	if (!r)
		return -EIO;
	/* nil: BLOCK timed out; else [[stream, [entry...]]] */
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 2) {
		entries = r->element[0]->element[1];
		for (size_t i = 0; entries->type == REDIS_REPLY_ARRAY && i < entries->elements;
		     i++) {
			int rc = handle_entry(entries->element[i], fn, ctx);

			if (rc < 0) {
				n = rc;
				break;
			}
			n++;
		}
	}
	freeReplyObject(r);
	return n;
}

/* Runs the queued MULTI ... EXEC; returns EXEC's reply or NULL with s->error set. */
static redisReply *exec_queued(struct store *s, int n_queued)
{
	redisReply *r = NULL;
	bool failed = false;

	/* MULTI's +OK and one +QUEUED per command, then EXEC's array */
	for (int i = 0; i < n_queued + 2; i++) {
		void *reply = NULL;

		if (redisGetReply(s->redis, &reply) != REDIS_OK) {
			snprintf(s->error, sizeof(s->error), "redis connection lost: %s",
				 s->redis->errstr);
			return NULL;
		}
		r = reply;
		if (i < n_queued + 1) {
			if (r->type == REDIS_REPLY_ERROR) {
				snprintf(s->error, sizeof(s->error), "redis error: %.200s", r->str);
				failed = true;
			}
			freeReplyObject(r);
			r = NULL;
		}
	}
	if (failed || !r || r->type != REDIS_REPLY_ARRAY) {
		if (r && !failed)
			snprintf(s->error, sizeof(s->error), "redis transaction aborted");
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

static void append(struct store *s, int argc, const char **argv, size_t *lens)
{
	fill_lens(argc, argv, lens);
	redisAppendCommandArgv(s->redis, argc, argv, lens);
}

int store_save(struct store *s, const char *id, const struct ingest_entry *e, const char *json,
	       size_t json_len, bool *duplicate)
{
	char key[160], member[96], score[32];
	const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
	const char *set[] = { "SET", key, json, "NX" };
	const char *zadd[] = { "ZADD", RAQIB_KEY_ALERTS_BY_TIME, "NX", score, member };
	const char *xack[] = { "XACK", RAQIB_STREAM_EVENTS, RAQIB_GROUP_COLLECTORS, id };
	size_t l1[1] = { 0 }, l2[1] = { 0 }, lset[4] = { 0, 0, json_len, 0 }, lz[5] = { 0 },
	       lx[4] = { 0 };
	redisReply *r;

	snprintf(member, sizeof(member), "%s:%" PRIu64, e->agent_id, e->sequence);
	snprintf(key, sizeof(key), "%s%s", RAQIB_KEY_ALERT_PREFIX, member);
	snprintf(score, sizeof(score), "%" PRId64, e->ts_ms);
	append(s, 1, multi, l1);
	append(s, 4, set, lset);
	append(s, 5, zadd, lz);
	append(s, 4, xack, lx);
	append(s, 1, exec, l2);
	r = exec_queued(s, 3);
	if (!r)
		return -EIO;
	*duplicate = r->elements < 1 || r->element[0]->type == REDIS_REPLY_NIL;
	freeReplyObject(r);
	return 0;
}

int store_dead_letter(struct store *s, const char *id, const char *reason)
{
	const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
	const char *xadd[] = { "XADD", RAQIB_STREAM_DEAD, "*", "id", id, "reason", reason };
	const char *xack[] = { "XACK", RAQIB_STREAM_EVENTS, RAQIB_GROUP_COLLECTORS, id };
	size_t l1[1] = { 0 }, l2[1] = { 0 }, la[7] = { 0 }, lx[4] = { 0 };
	redisReply *r;

	append(s, 1, multi, l1);
	append(s, 7, xadd, la);
	append(s, 4, xack, lx);
	append(s, 1, exec, l2);
	r = exec_queued(s, 2);
	if (!r)
		return -EIO;
	freeReplyObject(r);
	return 0;
}

int store_list_recent(struct store *s, size_t limit, store_alert_fn fn, void *ctx)
{
	char stop[24];
	const char *zr[] = { "ZREVRANGE", RAQIB_KEY_ALERTS_BY_TIME, "0", stop };
	size_t lz[4] = { 0 };
	const char **mget_argv = NULL;
	size_t *mget_lens = NULL;
	char (*keys)[160] = NULL;
	redisReply *ids, *docs = NULL;
	int n = 0;

	if (limit == 0)
		return 0;
	snprintf(stop, sizeof(stop), "%zu", limit - 1);
	fill_lens(4, zr, lz);
	ids = command(s, 4, zr, lz);
	if (!ids)
		return -EIO;
	if (ids->type != REDIS_REPLY_ARRAY || ids->elements == 0)
		goto out;
	mget_argv = calloc(ids->elements + 1, sizeof(*mget_argv));
	mget_lens = calloc(ids->elements + 1, sizeof(*mget_lens));
	keys = calloc(ids->elements, sizeof(*keys));
	if (!mget_argv || !mget_lens || !keys) {
		snprintf(s->error, sizeof(s->error), "out of memory");
		n = -ENOMEM;
		goto out;
	}
	mget_argv[0] = "MGET";
	mget_lens[0] = 4;
	for (size_t i = 0; i < ids->elements; i++) {
		snprintf(keys[i], sizeof(keys[i]), "%s%.*s", RAQIB_KEY_ALERT_PREFIX,
			 (int)ids->element[i]->len, ids->element[i]->str ? ids->element[i]->str : "");
		mget_argv[i + 1] = keys[i];
		mget_lens[i + 1] = strlen(keys[i]);
	}
	docs = command(s, (int)ids->elements + 1, mget_argv, mget_lens);
	if (!docs) {
		n = -EIO;
		goto out;
	}
	for (size_t i = 0; docs->type == REDIS_REPLY_ARRAY && i < docs->elements; i++) {
		if (docs->element[i]->type != REDIS_REPLY_STRING)
			continue; /* indexed but expired or deleted */
		if (fn(ctx, docs->element[i]->str, docs->element[i]->len) < 0)
			break;
		n++;
	}
out:
	freeReplyObject(docs);
	freeReplyObject(ids);
	free(keys);
	free(mget_lens);
	free(mget_argv);
	return n;
}
