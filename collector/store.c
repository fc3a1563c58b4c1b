// SPDX-License-Identifier: GPL-2.0-only
/*
 * Redis storage for the collector (see store.h). An alert is stored and its stream entry
 * acknowledged by one server-side script, so a collector that dies between the two never loses
 * an alert (the entry stays pending and is read again) nor stores one twice (keyed by agent and
 * sequence); the same script follows each agent's sequence to see gaps.
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
	char script_sha[48]; /* of store_script once loaded */
};

struct store *store_connect(const struct raqib_redis_addr *addr, int timeout_ms, char *err,
			    size_t err_len)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded programs */
	s->redis = raqib_redis_connect_as(addr, getenv(RAQIB_REDIS_USER_ENV),
					  getenv(RAQIB_REDIS_PASSWORD_ENV), timeout_ms, err,
					  err_len);
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

/*
 * Stores one alert atomically (Redis runs a script alone): acknowledge the entry; if the
 * (agent, sequence) slot holds the same document, count a duplicate; if it holds another one,
 * the agent reused a number (it lost its spool): dead-letter it and count a conflict; else
 * store, index by time, and follow the agent's sequence (highest seen, stored, missing), with
 * each gap recorded as it appears.
 *
 * KEYS: alert, index, events, agent sequence state, gaps, dead letters.
 * ARGV: json, score, member, group, entry id, seq, agent.
 */
static const char store_script[] =
	"redis.call('XACK', KEYS[3], ARGV[4], ARGV[5])\n"
	"local old = redis.call('GET', KEYS[1])\n"
	"if old then\n"
	"  if old == ARGV[1] then\n"
	"    redis.call('HINCRBY', KEYS[4], 'duplicates', 1)\n"
	"    return {1}\n"
	"  end\n"
	"  redis.call('HINCRBY', KEYS[4], 'conflicts', 1)\n"
	"  redis.call('XADD', KEYS[6], '*', 'id', ARGV[5], 'reason', 'sequence ' .. ARGV[6] ..\n"
	"    ' of agent ' .. ARGV[7] .. ' already holds another alert: the agent reused a number')\n"
	"  return {2}\n"
	"end\n"
	"redis.call('SET', KEYS[1], ARGV[1])\n"
	"redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])\n"
	"local seq = tonumber(ARGV[6])\n"
	"local max = tonumber(redis.call('HGET', KEYS[4], 'max_seq') or '0')\n"
	"local stored = redis.call('HINCRBY', KEYS[4], 'stored', 1)\n"
	"local res = {0}\n"
	"if seq > max then\n"
	"  if seq > max + 1 then\n"
	"    local from, to = string.format('%.0f', max + 1), string.format('%.0f', seq - 1)\n"
	"    redis.call('XADD', KEYS[5], '*', 'agent', ARGV[7], 'from', from, 'to', to)\n"
	"    res = {3, from, to}\n"
	"  end\n"
	"  max = seq\n"
	"  redis.call('HSET', KEYS[4], 'max_seq', ARGV[6])\n"
	"end\n"
	"redis.call('HSET', KEYS[4], 'missing', string.format('%.0f', max - stored))\n"
	"return res\n";

static int load_script(struct store *s)
{
	redisReply *r = redisCommand(s->redis, "SCRIPT LOAD %s", store_script);

	if (!r || r->type != REDIS_REPLY_STRING || r->len >= sizeof(s->script_sha)) {
		snprintf(s->error, sizeof(s->error), "cannot load the store script: %.200s",
			 r && r->type == REDIS_REPLY_ERROR ? r->str : s->redis->errstr);
		freeReplyObject(r);
		return -EIO;
	}
	memcpy(s->script_sha, r->str, r->len + 1);
	freeReplyObject(r);
	return 0;
}

int store_save(struct store *s, const char *id, const struct ingest_entry *e, const char *json,
	       size_t json_len, struct store_outcome *out)
{
	char key[160], member[96], score[32], seq_key[128], seq[24];
	const char *argv[] = { "EVALSHA",
			       s->script_sha,
			       "6",
			       key,
			       RAQIB_KEY_ALERTS_BY_TIME,
			       RAQIB_STREAM_EVENTS,
			       seq_key,
			       RAQIB_STREAM_GAPS,
			       RAQIB_STREAM_DEAD,
			       json,
			       score,
			       member,
			       RAQIB_GROUP_COLLECTORS,
			       id,
			       seq,
			       e->agent_id };
	size_t lens[16] = { 0 };
	redisReply *r;

	memset(out, 0, sizeof(*out));
	snprintf(member, sizeof(member), "%s:%" PRIu64, e->agent_id, e->sequence);
	snprintf(key, sizeof(key), "%s%s", RAQIB_KEY_ALERT_PREFIX, member);
	snprintf(seq_key, sizeof(seq_key), "%s%s", RAQIB_KEY_AGENT_SEQ_PREFIX, e->agent_id);
	snprintf(score, sizeof(score), "%" PRId64, e->ts_ms);
	snprintf(seq, sizeof(seq), "%" PRIu64, e->sequence);
	if (!s->script_sha[0] && load_script(s))
		return -EIO;
	lens[9] = json_len;
	fill_lens(16, argv, lens);
	for (int attempt = 0;; attempt++) {
		r = redisCommandArgv(s->redis, 16, argv, lens);
		/* NOSCRIPT: Redis restarted or its scripts were flushed */
		if (attempt == 0 && r && r->type == REDIS_REPLY_ERROR &&
		    strncmp(r->str, "NOSCRIPT", 8) == 0) {
			freeReplyObject(r);
			if (load_script(s))
				return -EIO;
			continue;
		}
		break;
	}
	if (!r) {
		snprintf(s->error, sizeof(s->error), "redis connection lost: %s",
			 s->redis->errstr[0] ? s->redis->errstr : "no reply");
		return -EIO;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER) {
		snprintf(s->error, sizeof(s->error), "redis error: %.200s",
			 r->type == REDIS_REPLY_ERROR ? r->str :
							"unexpected reply to the store script");
		freeReplyObject(r);
		return -EIO;
	}
	out->result = (enum store_result)r->element[0]->integer;
	if (out->result == STORE_GAP && r->elements == 3) {
		out->gap_from = strtoull(r->element[1]->str ? r->element[1]->str : "0", NULL, 10);
		out->gap_to = strtoull(r->element[2]->str ? r->element[2]->str : "0", NULL, 10);
	}
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

static int compare_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the agent ids of the keys matching prefix* to *ids (SCAN, so Redis is never blocked). */
static int scan_ids(struct store *s, const char *prefix, char ***ids, size_t *n, size_t *cap)
{
	char cursor[32] = "0", pattern[64];
	size_t plen = strlen(prefix);

	snprintf(pattern, sizeof(pattern), "%s*", prefix);
	do {
		const char *argv[] = { "SCAN", cursor, "MATCH", pattern, "COUNT", "1000" };
		size_t lens[6] = { 0 };
		redisReply *r;

		fill_lens(6, argv, lens);
		r = command(s, 6, argv, lens);
		if (!r)
			return -EIO;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			snprintf(s->error, sizeof(s->error), "unexpected reply to SCAN");
			freeReplyObject(r);
			return -EIO;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (size_t i = 0; i < r->element[1]->elements; i++) {
			const redisReply *k = r->element[1]->element[i];

			/* agent ids have no ':'; longer keys are not an agent's */
			if (k->type != REDIS_REPLY_STRING || k->len <= plen || k->len - plen > 64 ||
			    strchr(k->str + plen, ':'))
				continue;
			if (*n == *cap) {
				size_t c = *cap ? 2 * *cap : 64;
				char **more = reallocarray(*ids, c, sizeof(*more));

				if (!more) {
					freeReplyObject(r);
					return -ENOMEM;
				}
				*ids = more;
				*cap = c;
			}
			(*ids)[*n] = strdup(k->str + plen);
			if (!(*ids)[*n]) {
				freeReplyObject(r);
				return -ENOMEM;
			}
			(*n)++;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

/* The field list of a HGETALL reply (borrowed from it). */
static size_t hash_fields(const redisReply *r, struct stream_field *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements && n < max; i += 2) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		out[n++] = (struct stream_field){ r->element[i]->str, r->element[i]->len,
						  r->element[i + 1]->str, r->element[i + 1]->len };
	}
	return n;
}

#define MAX_HASH_FIELDS 256

int store_list_agents(struct store *s, store_agent_fn fn, void *ctx)
{
	struct stream_field *hb = NULL, *seq = NULL;
	char **ids = NULL;
	size_t n = 0, cap = 0, kept = 0;
	int ret;

	ret = scan_ids(s, RAQIB_KEY_AGENT_PREFIX, &ids, &n, &cap);
	if (!ret)
		ret = scan_ids(s, RAQIB_KEY_AGENT_SEQ_PREFIX, &ids, &n, &cap);
	hb = calloc(MAX_HASH_FIELDS, sizeof(*hb));
	seq = calloc(MAX_HASH_FIELDS, sizeof(*seq));
	if (!ret && (!hb || !seq))
		ret = -ENOMEM;
	if (ret)
		goto out;
	if (n)
		qsort(ids, n, sizeof(*ids), compare_ids);
	for (size_t i = 0; i < n; i++) {
		redisReply *a, *b;
		size_t na, nb;

		if (i && strcmp(ids[i], ids[i - 1]) == 0)
			continue;
		a = redisCommand(s->redis, "HGETALL %s%s", RAQIB_KEY_AGENT_PREFIX, ids[i]);
		b = a ? redisCommand(s->redis, "HGETALL %s%s", RAQIB_KEY_AGENT_SEQ_PREFIX, ids[i]) :
			NULL;
		if (!a || !b) {
			snprintf(s->error, sizeof(s->error), "redis connection lost: %s",
				 s->redis->errstr);
			freeReplyObject(a);
			ret = -EIO;
			goto out;
		}
		na = hash_fields(a, hb, MAX_HASH_FIELDS);
		nb = hash_fields(b, seq, MAX_HASH_FIELDS);
		ret = fn(ctx, ids[i], hb, na, seq, nb);
		freeReplyObject(a);
		freeReplyObject(b);
		if (ret < 0)
			goto out;
		kept++;
	}
	ret = (int)kept;
out:
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(hb);
	free(seq);
	return ret;
}
