// SPDX-License-Identifier: GPL-2.0-only
/*
 * The collector's writes to Redis (see store.h and docs/storage.md). Each atomic step is a
 * server-side script whose keys share one hash tag; the scripts build their key names from the
 * tag's prefix, passed first, and the key that routes them is one of them.
 */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "raqib/redis_cluster.h"
#include "raqib/redis_conn.h"
#include "raqib/schema.h"

/* Fields per stream entry handed to the callback; entries with more are refused by ingest. */
#define MAX_FIELDS (INGEST_MAX_FIELDS + 1)
/* Gap and coverage markers kept per site stream, at most (approximate trimming). */
#define GAPS_MAX "100000"

struct script {
	const char *text;
	char sha[41];
};

/*
 * Step 1 of alerts of one site, on the site's slot. KEYS[1]: a stream of the site (routing
 * only). ARGV: the number of alerts, then for each: prefix, local ref, agent, epoch, seq,
 * document, rx, host, user, app, severity, group, window ms, document hash, rule id. Returns
 * for each {code, gap from, gap to, incident, new}: code 0 stored, 1 duplicate, 2 conflict, 3
 * stored with a gap. One call for a batch: Redis spends more on a call than on its commands.
 */
static const char alert_script[] =
	"local function one(a)\n"
	"local p, ref = a[1], a[2]\n"
	"local rx = tonumber(a[7])\n"
	"local akey = p .. 'a:' .. ref\n"
	"local seqk = p .. 'seq:' .. a[3] .. ':' .. a[4]\n"
	"local old = redis.call('GET', akey)\n"
	"if old then\n"
	"  if old ~= a[6] then\n"
	"    redis.call('HINCRBY', seqk, 'conflicts', 1)\n"
	"    return {2, '', '', '', 0}\n"
	"  end\n"
	"  redis.call('HINCRBY', seqk, 'duplicates', 1)\n"
	"  local n = ''\n"
	"  if a[12] ~= '' then n = redis.call('GET', p .. 'incopen:' .. a[12]) or '' end\n"
	"  return {1, '', '', n, 0}\n"
	"end\n"
	"redis.call('SET', akey, a[6])\n"
	"redis.call('ZADD', p .. 'alerts', rx, ref)\n"
	"local tl = p .. 'tl:host:' .. a[8]\n"
	"redis.call('ZADD', tl, rx, ref)\n"
	"if a[9] ~= '' then redis.call('ZADD', p .. 'tl:user:' .. a[9], rx, ref) end\n"
	"if a[10] ~= '' then redis.call('ZADD', p .. 'tl:app:' .. a[10], rx, ref) end\n"
	"local function gap(kind, detail, extra)\n"
	"  redis.call('XADD', p .. 'gaps', 'MAXLEN', '~', '" GAPS_MAX "', '*', 'kind', kind,\n"
	"    'agent', a[3], 'host', a[8], 'detail', detail, 'rx', a[7])\n"
	"  redis.call('ZADD', tl, rx, 'gap:' .. kind .. ':' .. a[3] .. ':' .. detail)\n"
	"end\n"
	"local ek = p .. 'epochs:' .. a[3]\n"
	"if redis.call('SADD', ek, a[4]) == 1 and redis.call('SCARD', ek) > 1 then\n"
	"  gap('epoch', a[4])\n"
	"end\n"
	"local seq = tonumber(a[5])\n"
	"local max = tonumber(redis.call('HGET', seqk, 'max_seq') or '0')\n"
	"local stored = redis.call('HINCRBY', seqk, 'stored', 1)\n"
	"local res = {0, '', '', '', 0}\n"
	"if seq > max then\n"
	"  if seq > max + 1 then\n"
	"    local from, to = string.format('%.0f', max + 1), string.format('%.0f', seq - 1)\n"
	"    gap('sequence', a[4] .. ':' .. from .. '-' .. to)\n"
	"    res = {3, from, to, '', 0}\n"
	"  end\n"
	"  max = seq\n"
	"  redis.call('HSET', seqk, 'max_seq', a[5])\n"
	"end\n"
	"redis.call('HSET', seqk, 'missing', string.format('%.0f', max - stored), 'last_rx', a[7])\n"
	"if a[12] ~= '' then\n"
	"  local openk = p .. 'incopen:' .. a[12]\n"
	"  local n = redis.call('GET', openk)\n"
	"  if n then\n"
	"    local st = redis.call('HMGET', p .. 'inc:' .. n, 'state', 'last')\n"
	"    if st[1] == 'closed' or st[1] == 'false_positive' or\n"
	"       tonumber(st[2] or '0') + tonumber(a[13]) < rx then n = false end\n"
	"  end\n"
	"  local ik\n"
	"  if not n then\n"
	"    n = tostring(redis.call('INCR', p .. 'incseq'))\n"
	"    res[5] = 1\n"
	"    redis.call('SET', openk, n)\n"
	"    redis.call('HSET', p .. 'inc:' .. n, 'kind', 'local', 'state', 'new', 'first', a[7],\n"
	"      'host', a[8], 'user', a[9], 'app', a[10], 'document', a[14],\n"
	"      'rule', a[15], 'severity', '0', 'count', '0', 'hosts', '1')\n"
	"  end\n"
	"  ik = p .. 'inc:' .. n\n"
	"  redis.call('HINCRBY', ik, 'count', 1)\n"
	"  redis.call('HSET', ik, 'last', a[7])\n"
	"  if tonumber(a[11]) > tonumber(redis.call('HGET', ik, 'severity') or '0') then\n"
	"    redis.call('HSET', ik, 'severity', a[11])\n"
	"  end\n"
	"  redis.call('ZADD', ik .. ':tl', rx, ref)\n"
	"  redis.call('ZADD', p .. 'incidents', rx, n)\n"
	"  res[4] = n\n"
	"end\n"
	"return res\n"
	"end\n"
	"local n, w, res = tonumber(ARGV[1]), 15, {}\n"
	"for i = 0, n - 1 do\n"
	"  local a = {}\n"
	"  for k = 1, w do a[k] = ARGV[1 + i * w + k] end\n"
	"  res[i + 1] = one(a)\n"
	"end\n"
	"return res\n";

/*
 * Step 2 for documents and values. KEYS[1]: a key of their slot (routing only; on a cluster,
 * one call per document or value). ARGV: the number of items, then for each: prefix, global
 * ref, rx, "<site>/<host>", severity, hosts for a spread, kind ("document", "value"), the hash.
 * Each adds the alert to the document's provenance or the value's index, then to its spread
 * incident when enough hosts hold it. Returns for each the spread incident's number, or "".
 */
static const char tag_script[] =
	"local function one(a)\n"
	"local p = a[1]\n"
	"local rx = tonumber(a[3])\n"
	"redis.call('ZADD', (a[1] .. 'alerts'), rx, a[2])\n"
	"redis.call('SADD', p .. 'hosts', a[4])\n"
	"local hosts = redis.call('SCARD', p .. 'hosts')\n"
	"if tonumber(a[6]) == 0 or hosts < tonumber(a[6]) then return '' end\n"
	"local n = redis.call('GET', p .. 'incopen')\n"
	"if n then\n"
	"  local st = redis.call('HGET', p .. 'inc:' .. n, 'state')\n"
	"  if st == 'closed' or st == 'false_positive' then n = false end\n"
	"end\n"
	"local ik\n"
	"if not n then\n"
	"  n = tostring(redis.call('INCR', p .. 'incseq'))\n"
	"  redis.call('SET', p .. 'incopen', n)\n"
	"  ik = p .. 'inc:' .. n\n"
	"  redis.call('HSET', ik, 'kind', 'spread-' .. a[7], 'state', 'new', 'first', a[3],\n"
	"    a[7], a[8], 'severity', '0')\n"
	"  local all = redis.call('ZRANGE', (a[1] .. 'alerts'), 0, 9999, 'WITHSCORES')\n"
	"  for i = 1, #all, 2 do redis.call('ZADD', ik .. ':tl', all[i + 1], all[i]) end\n"
	"end\n"
	"ik = p .. 'inc:' .. n\n"
	"redis.call('ZADD', ik .. ':tl', rx, a[2])\n"
	"redis.call('HSET', ik, 'last', a[3], 'count', redis.call('ZCARD', ik .. ':tl'),\n"
	"  'hosts', hosts)\n"
	"if tonumber(a[5]) > tonumber(redis.call('HGET', ik, 'severity') or '0') then\n"
	"  redis.call('HSET', ik, 'severity', a[5])\n"
	"end\n"
	"return n\n"
	"end\n"
	"local n, w, res = tonumber(ARGV[1]), 8, {}\n"
	"for i = 0, n - 1 do\n"
	"  local a = {}\n"
	"  for k = 1, w do a[k] = ARGV[1 + i * w + k] end\n"
	"  res[i + 1] = one(a)\n"
	"end\n"
	"return res\n";

/*
 * A heartbeat, on the site's slot. KEYS[1]: the agent's stream. ARGV: prefix, agent, rx,
 * group, entry id, then the heartbeat's fields and values. Compares it with the previous
 * one: silence longer than three intervals, a sensor newly degraded, alerts refused by the
 * spool are coverage gaps. Replaces the agent's hash and acknowledges. Returns the gaps.
 */
static const char heartbeat_script[] =
	"local p = ARGV[1]\n"
	"local ak = p .. 'agent:' .. ARGV[2]\n"
	"local old = redis.call('HGETALL', ak)\n"
	"local o, new, args = {}, {}, {}\n"
	"for i = 1, #old, 2 do o[old[i]] = old[i + 1] end\n"
	"for i = 6, #ARGV - 1, 2 do\n"
	"  new[ARGV[i]] = ARGV[i + 1]\n"
	"  args[#args + 1] = ARGV[i]\n"
	"  args[#args + 1] = ARGV[i + 1]\n"
	"end\n"
	"local host = new['host.name'] or o['host.name'] or ARGV[2]\n"
	"local tl = p .. 'tl:host:' .. host\n"
	"local rx = tonumber(ARGV[3])\n"
	"local gaps = 0\n"
	"local function gap(kind, detail)\n"
	"  redis.call('XADD', p .. 'gaps', 'MAXLEN', '~', '" GAPS_MAX "', '*', 'kind', kind,\n"
	"    'agent', ARGV[2], 'host', host, 'detail', detail, 'rx', ARGV[3])\n"
	"  redis.call('ZADD', tl, rx, 'gap:' .. kind .. ':' .. ARGV[2] .. ':' .. detail)\n"
	"  gaps = gaps + 1\n"
	"end\n"
	"local prev = tonumber(o['collector.rx'] or '0')\n"
	"local interval = tonumber(o['interval_ms'] or new['interval_ms'] or '5000')\n"
	"if prev > 0 and o['status'] ~= 'stopped' and rx - prev > 3 * interval then\n"
	"  gap('silent', string.format('%.0f-%.0f', prev, rx))\n"
	"end\n"
	"for k, v in pairs(new) do\n"
	"  if string.sub(k, 1, 7) == 'sensor.' and string.sub(v, 1, 8) == 'degraded' and\n"
	"     o[k] ~= v then gap('degraded', string.sub(k, 8) .. ':' .. ARGV[3]) end\n"
	"end\n"
	"local rn, ro = tonumber(new['outbox.refused'] or '0'), tonumber(o['outbox.refused'] or '0')\n"
	"if new['pid'] ~= o['pid'] then ro = 0 end\n"
	"if rn > ro then gap('refused', string.format('%.0f:%s', rn - ro, ARGV[3])) end\n"
	"redis.call('DEL', ak)\n"
	"args[#args + 1] = 'collector.rx'\n"
	"args[#args + 1] = ARGV[3]\n"
	"redis.call('HSET', ak, unpack(args))\n"
	"redis.call('XACK', KEYS[1], ARGV[4], ARGV[5])\n"
	"return gaps\n";

/*
 * A dead letter, on the site's slot. KEYS[1]: the stream, KEYS[2]: the site's dead letters.
 * ARGV: group, entry id, kept at most, then field/value pairs to record.
 */
static const char dead_script[] = "local args = {}\n"
				  "for i = 4, #ARGV do args[#args + 1] = ARGV[i] end\n"
				  "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*',\n"
				  "  unpack(args))\n"
				  "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
				  "return 1\n";

enum {
	SCRIPT_ALERT,
	SCRIPT_TAG,
	SCRIPT_HEARTBEAT,
	SCRIPT_DEAD,
	SCRIPT_COUNT
};

struct store {
	struct raqib_redis *redis;
	char error[512];
	struct script scripts[SCRIPT_COUNT];
};

static void sha1_hex(const char *text, char out[41])
{
	unsigned char md[20];
	unsigned len = 0;

	EVP_Digest(text, strlen(text), md, &len, EVP_sha1(), NULL);
	for (unsigned i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

struct store *store_connect(const struct raqib_redis_addr *addr, int timeout_ms, char *err,
			    size_t err_len)
{
	static const char *const texts[SCRIPT_COUNT] = { alert_script, tag_script, heartbeat_script,
							 dead_script };
	struct store *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): read before threads */
	s->redis = raqib_redis_open(addr, getenv(RAQIB_REDIS_USER_ENV),
				    getenv(RAQIB_REDIS_PASSWORD_ENV), timeout_ms, err, err_len);
	if (!s->redis) {
		free(s);
		return NULL;
	}
	for (int i = 0; i < SCRIPT_COUNT; i++) {
		s->scripts[i].text = texts[i];
		sha1_hex(texts[i], s->scripts[i].sha);
	}
	return s;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	raqib_redis_close(s->redis);
	free(s);
}

const char *store_error(const struct store *s)
{
	return s->error;
}

struct raqib_redis *store_redis(struct store *s)
{
	return s->redis;
}

/* Checks a reply: NULL (connection) or an error reply set s->error and return false. */
static bool reply_ok(struct store *s, const redisReply *r, const char *what)
{
	if (!r) {
		snprintf(s->error, sizeof(s->error), "%s: %s", what, raqib_redis_error(s->redis));
		return false;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(s->error, sizeof(s->error), "%s: redis error: %.200s", what, r->str);
		return false;
	}
	return true;
}

static redisReply *cmd(struct store *s, const char *key, int argc, const char **argv,
		       const char *what)
{
	redisReply *r = raqib_redis_command(s->redis, key, argc, argv, NULL);

	if (!reply_ok(s, r, what)) {
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/*
 * Runs n script calls (argv[0] is "EVALSHA", argv[1] the script's sha) in one pipeline; a node
 * that does not have the script yet (NOSCRIPT: new, restarted, failed over) gets it with EVAL.
 */
static int run_scripts(struct store *s, struct script *sc, size_t n, struct raqib_redis_cmd *cmds,
		       redisReply **replies)
{
	int rc = raqib_redis_pipeline(s->redis, n, cmds, replies);

	for (size_t i = 0; i < n; i++) {
		if (!replies[i] || replies[i]->type != REDIS_REPLY_ERROR ||
		    strncmp(replies[i]->str, "NOSCRIPT", 8) != 0)
			continue;
		size_t *lens = calloc((size_t)cmds[i].argc, sizeof(*lens));

		freeReplyObject(replies[i]);
		replies[i] = NULL;
		if (!lens) {
			rc = -ENOMEM;
			continue;
		}
		cmds[i].argv[0] = "EVAL";
		cmds[i].argv[1] = sc->text;
		for (int k = 0; k < cmds[i].argc; k++)
			lens[k] = k < 2 || !cmds[i].lens ? strlen(cmds[i].argv[k]) :
							   cmds[i].lens[k];
		replies[i] = raqib_redis_command(s->redis, cmds[i].key, cmds[i].argc, cmds[i].argv,
						 lens);
		free(lens);
		cmds[i].argv[0] = "EVALSHA";
		cmds[i].argv[1] = sc->sha;
		if (!replies[i])
			rc = -EIO;
	}
	for (size_t i = 0; i < n; i++)
		if (!reply_ok(s, replies[i], "store script"))
			rc = -EIO;
	return rc;
}

int store_fingerprint_key(const char *rule_id, char out[65])
{
	static const char label[] = "raqib-fingerprint\n";
	unsigned char md[32];
	unsigned len = 0;
	EVP_MD_CTX *ctx;
	size_t n = strlen(rule_id);

	if (n == 0 || n > 127 || strspn(rule_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, label, sizeof(label) - 1) ||
	    !EVP_DigestUpdate(ctx, rule_id, n) || !EVP_DigestFinal_ex(ctx, md, &len)) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static void free_replies(redisReply **replies, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		freeReplyObject(replies[i]);
		replies[i] = NULL;
	}
}

int store_registry(struct store *s, store_registry_fn fn, void *ctx)
{
	char cursor[32] = "0";
	int count = 0;

	do {
		const char *argv[] = { "HSCAN", RAQIB_KEY_REGISTRY, cursor, "COUNT", "1000" };
		redisReply *r = cmd(s, RAQIB_KEY_REGISTRY, 5, argv, "cannot read the registry");
		const redisReply *kv;

		if (!r)
			return -EIO;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(r);
			snprintf(s->error, sizeof(s->error), "unexpected reply to HSCAN");
			return -EIO;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		kv = r->element[1];
		for (size_t i = 0; i + 1 < kv->elements; i += 2) {
			const redisReply *a = kv->element[i], *b = kv->element[i + 1];

			if (a->type != REDIS_REPLY_STRING || b->type != REDIS_REPLY_STRING ||
			    !raqib_agent_id_is_valid(a->str, a->len) ||
			    !raqib_site_is_valid(b->str, b->len))
				continue;
			if (fn(ctx, a->str, b->str) < 0)
				break;
			count++;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return count;
}

int store_ensure_group(struct store *s, const char *stream)
{
	const char *argv[] = { "XGROUP", "CREATE", stream, RAQIB_GROUP_COLLECTORS, "0", "MKSTREAM" };
	redisReply *r = raqib_redis_command(s->redis, stream, 6, argv, NULL);
	int ret = 0;

	if (!r) {
		snprintf(s->error, sizeof(s->error), "redis connection lost: %s",
			 raqib_redis_error(s->redis));
		return -EIO;
	}
	/* BUSYGROUP: it exists, which is what we want */
	if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9) != 0) {
		snprintf(s->error, sizeof(s->error), "cannot create consumer group on '%s': %.200s",
			 stream, r->str);
		ret = -EIO;
	}
	freeReplyObject(r);
	return ret;
}

static int handle_entry(const redisReply *entry, size_t index, store_entry_fn fn, void *ctx)
{
	struct stream_field fields[MAX_FIELDS];
	const redisReply *kv;
	size_t n = 0;

	if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
	    entry->element[0]->type != REDIS_REPLY_STRING)
		return 0;
	kv = entry->element[1];
	/* an entry deleted while pending comes back with a nil field list */
	if (kv->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i + 1 < kv->elements; i += 2) {
			if (kv->element[i]->type != REDIS_REPLY_STRING ||
			    kv->element[i + 1]->type != REDIS_REPLY_STRING)
				continue;
			if (n == MAX_FIELDS)
				break; /* more than ingest takes: it refuses the entry */
			fields[n++] = (struct stream_field){ kv->element[i]->str,
							     kv->element[i]->len,
							     kv->element[i + 1]->str,
							     kv->element[i + 1]->len };
		}
	}
	return fn(ctx, index, entry->element[0]->str, fields, n);
}

/* Calls fn for the entries of one stream's part of an XREADGROUP or XAUTOCLAIM reply. */
static int handle_entries(const redisReply *entries, size_t index, store_entry_fn fn, void *ctx)
{
	int n = 0;

	for (size_t i = 0; entries->type == REDIS_REPLY_ARRAY && i < entries->elements; i++) {
		int rc = handle_entry(entries->element[i], index, fn, ctx);

		if (rc < 0)
			return rc;
		n++;
	}
	return n;
}

int store_read(struct store *s, const char *const *streams, size_t n, const char *consumer,
	       bool pending, size_t count, int block_ms, store_entry_fn fn, void *ctx)
{
	char count_text[24], block_text[24];
	const char **argv = calloc(9 + 2 * n, sizeof(*argv));
	int argc = 0, total = 0;
	redisReply *r;

	if (!argv)
		return -ENOMEM;
	snprintf(count_text, sizeof(count_text), "%zu", count);
	argv[argc++] = "XREADGROUP";
	argv[argc++] = "GROUP";
	argv[argc++] = RAQIB_GROUP_COLLECTORS;
	argv[argc++] = consumer;
	argv[argc++] = "COUNT";
	argv[argc++] = count_text;
	if (!pending && block_ms > 0) {
		snprintf(block_text, sizeof(block_text), "%d", block_ms);
		argv[argc++] = "BLOCK";
		argv[argc++] = block_text;
	}
	argv[argc++] = "STREAMS";
	for (size_t i = 0; i < n; i++)
		argv[argc++] = streams[i];
	for (size_t i = 0; i < n; i++)
		argv[argc++] = pending ? "0" : ">";
	r = raqib_redis_command(s->redis, streams[0], argc, argv, NULL);
	free(argv);
	if (!reply_ok(s, r, "cannot read the agents' streams")) {
		/* a stream deleted under us (NOGROUP) is recreated by the caller's next round */
		total = r && strncmp(r->str, "NOGROUP", 7) == 0 ? -ENOENT : -EIO;
		freeReplyObject(r);
		return total;
	}
	/* nil: BLOCK timed out; else [[stream, [entry...]]...] */
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *st = r->element[i];
		size_t index = 0;
		int rc;

		if (st->type != REDIS_REPLY_ARRAY || st->elements != 2 ||
		    st->element[0]->type != REDIS_REPLY_STRING)
			continue;
		while (index < n && strcmp(streams[index], st->element[0]->str) != 0)
			index++;
		if (index == n)
			continue;
		rc = handle_entries(st->element[1], index, fn, ctx);
		if (rc < 0) {
			total = rc;
			break;
		}
		total += rc;
	}
	freeReplyObject(r);
	return total;
}

int store_ack(struct store *s, const char *stream, const char *entry_id)
{
	const char *argv[] = { "XACK", stream, RAQIB_GROUP_COLLECTORS, entry_id };
	redisReply *r = cmd(s, stream, 4, argv, "cannot acknowledge");

	freeReplyObject(r);
	return r ? 0 : -EIO;
}

#define ALERT_ARGS 15
#define TAG_ARGS   8

/* Formatted numbers of one alert's step-1 arguments. */
struct alert_text {
	char prefix[RAQIB_KEY_MAX], ref[160], seq[24], rx[24], sev[16], window[24];
};

/* Fills the ALERT_ARGS arguments of one alert at argv/lens. */
static int fill_alert_args(const struct store_policy *policy, const struct store_alert *a,
			   struct alert_text *t, const char **argv, size_t *lens)
{
	if (raqib_key_site(a->site, t->prefix, sizeof(t->prefix)))
		return -EINVAL;
	snprintf(t->ref, sizeof(t->ref), "%s:%s:%" PRIu64, a->agent_id, a->epoch, a->sequence);
	snprintf(t->seq, sizeof(t->seq), "%" PRIu64, a->sequence);
	snprintf(t->rx, sizeof(t->rx), "%" PRId64, a->rx_ms);
	snprintf(t->sev, sizeof(t->sev), "%d", a->severity);
	snprintf(t->window, sizeof(t->window), "%" PRId64, policy->incident_window_ms);
	argv[0] = t->prefix;
	argv[1] = t->ref;
	argv[2] = a->agent_id;
	argv[3] = a->epoch;
	argv[4] = t->seq;
	argv[5] = a->json;
	argv[6] = t->rx;
	argv[7] = a->host;
	argv[8] = a->user;
	argv[9] = a->app;
	argv[10] = t->sev;
	argv[11] = a->group;
	argv[12] = t->window;
	argv[13] = a->document;
	argv[14] = a->rule ? a->rule : "";
	for (int k = 0; k < ALERT_ARGS; k++)
		lens[k] = k == 5 ? a->json_len : strlen(argv[k]);
	return 0;
}

/* One batched script call: EVALSHA sha 1 key n args... */
struct batch_call {
	const char **argv;
	size_t *lens;
	int argc;
	char count[24];
};

static int batch_call_init(struct batch_call *b, struct script *sc, const char *key, size_t n,
			   size_t per_item)
{
	b->argv = calloc(5 + n * per_item, sizeof(*b->argv));
	b->lens = calloc(5 + n * per_item, sizeof(*b->lens));
	if (!b->argv || !b->lens)
		return -ENOMEM;
	snprintf(b->count, sizeof(b->count), "%zu", n);
	b->argv[0] = "EVALSHA";
	b->argv[1] = sc->sha;
	b->argv[2] = "1";
	b->argv[3] = key;
	b->argv[4] = b->count;
	for (int k = 0; k < 5; k++)
		b->lens[k] = strlen(b->argv[k]);
	b->argc = 5;
	return 0;
}

static void batch_call_release(struct batch_call *b)
{
	free(b->argv);
	free(b->lens);
}

/* Step 1 for every alert: one script call per site of the batch. */
static int save_step1(struct store *s, const struct store_policy *policy,
		      const struct store_alert *alerts, size_t n, struct store_outcome *out)
{
	struct alert_text *text = calloc(n, sizeof(*text));
	struct batch_call *calls = calloc(n, sizeof(*calls));
	struct raqib_redis_cmd *cmds = calloc(n, sizeof(*cmds));
	redisReply **replies = calloc(n, sizeof(*replies));
	size_t *call_of = calloc(n, sizeof(*call_of)), *pos = calloc(n, sizeof(*pos));
	const char **sites = calloc(n, sizeof(*sites));
	size_t n_calls = 0;
	int rc = -ENOMEM;

	if (!text || !calls || !cmds || !replies || !call_of || !pos || !sites)
		goto out;
	/* one call per site: alerts of a site share a slot */
	for (size_t i = 0; i < n; i++) {
		size_t c = 0, count = 0;

		while (c < n_calls && strcmp(sites[c], alerts[i].site) != 0)
			c++;
		if (c == n_calls) {
			for (size_t k = i; k < n; k++)
				count += strcmp(alerts[k].site, alerts[i].site) == 0;
			if (batch_call_init(&calls[c], &s->scripts[SCRIPT_ALERT], alerts[i].stream,
					    count, ALERT_ARGS))
				goto out;
			sites[c] = alerts[i].site;
			n_calls++;
		}
		call_of[i] = c;
		pos[i] = (size_t)(calls[c].argc - 5) / ALERT_ARGS;
		if (fill_alert_args(policy, &alerts[i], &text[i], &calls[c].argv[calls[c].argc],
				    &calls[c].lens[calls[c].argc])) {
			rc = -EINVAL;
			snprintf(s->error, sizeof(s->error), "invalid site '%s'", alerts[i].site);
			goto out;
		}
		calls[c].argc += ALERT_ARGS;
	}
	for (size_t c = 0; c < n_calls; c++)
		cmds[c] = (struct raqib_redis_cmd){ .key = calls[c].argv[3],
						    .argc = calls[c].argc,
						    .argv = calls[c].argv,
						    .lens = calls[c].lens };
	rc = run_scripts(s, &s->scripts[SCRIPT_ALERT], n_calls, cmds, replies);
	for (size_t i = 0; !rc && i < n; i++) {
		const redisReply *all = replies[call_of[i]], *r;

		memset(&out[i], 0, sizeof(out[i]));
		r = all->type == REDIS_REPLY_ARRAY && pos[i] < all->elements ? all->element[pos[i]] :
									       NULL;
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 5 ||
		    r->element[0]->type != REDIS_REPLY_INTEGER) {
			snprintf(s->error, sizeof(s->error), "unexpected reply to the store script");
			rc = -EIO;
			break;
		}
		out[i].result = (enum store_result)r->element[0]->integer;
		if (r->element[1]->type == REDIS_REPLY_STRING && r->element[1]->len)
			out[i].gap_from = strtoull(r->element[1]->str, NULL, 10);
		if (r->element[2]->type == REDIS_REPLY_STRING && r->element[2]->len)
			out[i].gap_to = strtoull(r->element[2]->str, NULL, 10);
		if (r->element[3]->type == REDIS_REPLY_STRING && r->element[3]->len)
			snprintf(out[i].incident, sizeof(out[i].incident), "%s%s:%s",
				 RAQIB_TAG_SITE, alerts[i].site, r->element[3]->str);
		out[i].incident_new = r->element[4]->type == REDIS_REPLY_INTEGER &&
				      r->element[4]->integer == 1;
	}
out:
	if (replies)
		free_replies(replies, n_calls);
	for (size_t c = 0; calls && c < n_calls; c++)
		batch_call_release(&calls[c]);
	free(sites);
	free(pos);
	free(call_of);
	free(replies);
	free(cmds);
	free(calls);
	free(text);
	return rc;
}

/* Step 2 arguments: one document or value, for one alert. */
struct tag_item {
	char prefix[RAQIB_KEY_MAX], key[RAQIB_KEY_MAX + 8], ref[200], rx[24], host[160], sev[16],
		min[16];
	const char *kind, *hash;
	size_t alert;
};

static int fill_tag_item(const struct store_policy *policy, const struct store_alert *a,
			 const char *kind, const char *hash, struct tag_item *x)
{
	int rc = strcmp(kind, "value") != 0 ? raqib_key_document(hash, x->prefix, sizeof(x->prefix)) :
					       raqib_key_value(hash, x->prefix, sizeof(x->prefix));

	if (rc)
		return rc;
	snprintf(x->key, sizeof(x->key), "%salerts", x->prefix);
	snprintf(x->ref, sizeof(x->ref), "%s:%s:%s:%" PRIu64, a->site, a->agent_id, a->epoch,
		 a->sequence);
	snprintf(x->rx, sizeof(x->rx), "%" PRId64, a->rx_ms);
	snprintf(x->host, sizeof(x->host), "%s/%s", a->site, a->host);
	snprintf(x->sev, sizeof(x->sev), "%d", a->severity);
	/* 0: no spread incident for what is not an alert */
	snprintf(x->min, sizeof(x->min), "%u",
		 a->no_incident		 ? 0 :
		 policy->spread_min_hosts ? policy->spread_min_hosts :
					    2);
	x->kind = kind;
	x->hash = hash;
	return 0;
}

static void tag_item_args(const struct tag_item *x, const char **argv)
{
	argv[0] = x->prefix;
	argv[1] = x->ref;
	argv[2] = x->rx;
	argv[3] = x->host;
	argv[4] = x->sev;
	argv[5] = x->min;
	argv[6] = x->kind;
	argv[7] = x->hash;
}

/*
 * Step 2 for every document and value of the batch: on one Redis, one script call for all;
 * on a cluster, one per item (each has its own slot). Fills spread[i] with the incident id
 * prefix and number ("" for none).
 */
static int save_step2(struct store *s, struct tag_item *items, size_t k,
		      char (*spread)[RAQIB_KEY_MAX])
{
	bool one_call = !raqib_redis_is_cluster(s->redis);
	size_t n_calls = one_call ? (k ? 1 : 0) : k;
	struct batch_call *calls = calloc(n_calls + 1, sizeof(*calls));
	struct raqib_redis_cmd *cmds = calloc(n_calls + 1, sizeof(*cmds));
	redisReply **replies = calloc(n_calls + 1, sizeof(*replies));
	int rc = -ENOMEM;

	if (!calls || !cmds || !replies)
		goto out;
	for (size_t c = 0; c < n_calls; c++) {
		size_t per = one_call ? k : 1;

		if (batch_call_init(&calls[c], &s->scripts[SCRIPT_TAG], items[c].key, per,
				    TAG_ARGS))
			goto out;
	}
	for (size_t i = 0; i < k; i++) {
		struct batch_call *b = &calls[one_call ? 0 : i];

		tag_item_args(&items[i], &b->argv[b->argc]);
		for (int a = 0; a < TAG_ARGS; a++)
			b->lens[b->argc + a] = strlen(b->argv[b->argc + a]);
		b->argc += TAG_ARGS;
	}
	for (size_t c = 0; c < n_calls; c++)
		cmds[c] = (struct raqib_redis_cmd){ .key = calls[c].argv[3],
						    .argc = calls[c].argc,
						    .argv = calls[c].argv,
						    .lens = calls[c].lens };
	rc = n_calls ? run_scripts(s, &s->scripts[SCRIPT_TAG], n_calls, cmds, replies) : 0;
	for (size_t i = 0; !rc && i < k; i++) {
		const redisReply *all = replies[one_call ? 0 : i];
		const redisReply *r = all->type == REDIS_REPLY_ARRAY &&
					      (one_call ? i : 0) < all->elements ?
					      all->element[one_call ? i : 0] :
					      NULL;

		spread[i][0] = '\0';
		if (r && r->type == REDIS_REPLY_STRING && r->len)
			snprintf(spread[i], RAQIB_KEY_MAX, "%s%s:%s",
				 strcmp(items[i].kind, "value") != 0 ? RAQIB_TAG_DOCUMENT :
									RAQIB_TAG_VALUE,
				 items[i].hash, r->str);
	}
out:
	if (replies)
		free_replies(replies, n_calls);
	for (size_t c = 0; calls && c < n_calls; c++)
		batch_call_release(&calls[c]);
	free(replies);
	free(cmds);
	free(calls);
	return rc;
}

/* Steps 2 and 3: documents and values, the global incident list, then the acknowledgements. */
static int save_steps23(struct store *s, const struct store_policy *policy,
			const struct store_alert *alerts, size_t n, struct store_outcome *out)
{
	size_t max = 0, k = 0, m = 0, n_cmds = 0;
	struct tag_item *items = NULL;
	char (*spread)[RAQIB_KEY_MAX] = NULL;
	char (*rx)[24] = NULL;
	const char **zadd = NULL, **acks = NULL;
	struct raqib_redis_cmd *cmds = NULL;
	redisReply **replies = NULL;
	int rc = -ENOMEM;

	for (size_t i = 0; i < n; i++)
		if (out[i].result != STORE_CONFLICT)
			max += (alerts[i].document[0] ? 1 : 0) + alerts[i].n_values + 1;
	items = calloc(max + 1, sizeof(*items));
	spread = calloc(max + 1, sizeof(*spread));
	rx = calloc(max + n + 1, sizeof(*rx));
	zadd = calloc(2 + 2 * (max + n), sizeof(*zadd));
	acks = calloc(3 * n + n + 1, sizeof(*acks));
	cmds = calloc(n + 2, sizeof(*cmds));
	replies = calloc(n + 2, sizeof(*replies));
	if (!items || !spread || !rx || !zadd || !acks || !cmds || !replies)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (out[i].result == STORE_CONFLICT)
			continue;
		for (size_t v = 0; v <= alerts[i].n_values + 1; v++) {
			const char *hash = v == 0		     ? alerts[i].document :
					   v <= alerts[i].n_values ? alerts[i].values[v - 1] :
								     alerts[i].fingerprint;
			const char *kind = v == 0		     ? "document" :
					   v <= alerts[i].n_values ? "value" :
								     "fingerprint";

			if (!hash || !hash[0] || fill_tag_item(policy, &alerts[i], kind, hash, &items[k]))
				continue;
			items[k++].alert = i;
		}
	}
	rc = save_step2(s, items, k, spread);
	if (rc)
		goto out;
	/* step 3: every incident touched, in the global list (one ZADD); then XACK per stream */
	zadd[0] = "ZADD";
	zadd[1] = RAQIB_KEY_INCIDENTS;
	for (size_t i = 0; i < k; i++) {
		if (!spread[i][0])
			continue;
		snprintf(rx[m], sizeof(rx[m]), "%" PRId64, alerts[items[i].alert].rx_ms);
		zadd[2 + 2 * m] = rx[m];
		zadd[3 + 2 * m] = spread[i];
		out[items[i].alert].spread_incidents++;
		m++;
	}
	for (size_t i = 0; i < n; i++) {
		if (!out[i].incident[0])
			continue;
		snprintf(rx[m], sizeof(rx[m]), "%" PRId64, alerts[i].rx_ms);
		zadd[2 + 2 * m] = rx[m];
		zadd[3 + 2 * m] = out[i].incident;
		m++;
	}
	if (m)
		cmds[n_cmds++] = (struct raqib_redis_cmd){ .key = RAQIB_KEY_INCIDENTS,
							   .argc = (int)(2 + 2 * m),
							   .argv = zadd };
	{
		/* one XACK per stream, with every id of it */
		size_t used = 0;
		bool *done = calloc(n + 1, sizeof(*done));

		if (!done) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			const char **argv = &acks[used];
			int argc = 3;

			if (done[i])
				continue;
			argv[0] = "XACK";
			argv[1] = alerts[i].stream;
			argv[2] = RAQIB_GROUP_COLLECTORS;
			for (size_t j = i; j < n; j++)
				if (!done[j] && strcmp(alerts[j].stream, alerts[i].stream) == 0) {
					argv[argc++] = alerts[j].entry_id;
					done[j] = true;
				}
			cmds[n_cmds++] = (struct raqib_redis_cmd){ .key = alerts[i].stream,
								   .argc = argc,
								   .argv = argv };
			used += (size_t)argc;
		}
		free(done);
	}
	rc = raqib_redis_pipeline(s->redis, n_cmds, cmds, replies);
	for (size_t i = 0; i < n_cmds; i++)
		if (!reply_ok(s, replies[i], "cannot acknowledge"))
			rc = -EIO;
	free_replies(replies, n_cmds);
out:
	free(replies);
	free(cmds);
	free(acks);
	free(zadd);
	free(rx);
	free(spread);
	free(items);
	return rc;
}

int store_save_alerts(struct store *s, const struct store_policy *policy,
		      const struct store_alert *alerts, size_t n, struct store_outcome *out)
{
	int rc;

	if (n == 0)
		return 0;
	rc = save_step1(s, policy, alerts, n, out);
	if (!rc)
		rc = save_steps23(s, policy, alerts, n, out);
	return rc;
}

int store_save_heartbeat(struct store *s, const char *site, const char *stream,
			 const char *entry_id, const char *agent_id, const json_t *hb,
			 int64_t rx_ms, struct store_hb_outcome *out)
{
	size_t n = json_object_size(hb), argc = 0;
	const char **argv = calloc(9 + 2 * n, sizeof(*argv));
	char prefix[RAQIB_KEY_MAX], rx[24];
	struct raqib_redis_cmd c;
	redisReply *r = NULL;
	const char *key;
	json_t *value;
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!argv)
		return -ENOMEM;
	if (raqib_key_site(site, prefix, sizeof(prefix))) {
		rc = -EINVAL;
		goto out;
	}
	snprintf(rx, sizeof(rx), "%" PRId64, rx_ms);
	argv[argc++] = "EVALSHA";
	argv[argc++] = s->scripts[SCRIPT_HEARTBEAT].sha;
	argv[argc++] = "1";
	argv[argc++] = stream;
	argv[argc++] = prefix;
	argv[argc++] = agent_id;
	argv[argc++] = rx;
	argv[argc++] = RAQIB_GROUP_COLLECTORS;
	argv[argc++] = entry_id;
	json_object_foreach((json_t *)hb, key, value) {
		/* the collector's own fields are its own */
		if (strncmp(key, "collector.", 10) == 0)
			continue;
		argv[argc++] = key;
		argv[argc++] = json_string_value(value);
	}
	c = (struct raqib_redis_cmd){ .key = stream, .argc = (int)argc, .argv = argv };
	rc = run_scripts(s, &s->scripts[SCRIPT_HEARTBEAT], 1, &c, &r);
	if (!rc && r->type == REDIS_REPLY_INTEGER)
		out->gaps = (unsigned)r->integer;
	freeReplyObject(r);
out:
	free(argv);
	return rc;
}

int store_dead_letter(struct store *s, const struct store_policy *policy, const char *site,
		      const char *stream, const char *entry_id, const struct stream_field *fields,
		      size_t n_fields, bool keep_fields, const char *code, const char *reason,
		      int64_t rx_ms)
{
	size_t argc = 0, nf = keep_fields ? n_fields : 0;
	const char **argv = calloc(18 + 2 * nf, sizeof(*argv));
	size_t *lens = calloc(18 + 2 * nf, sizeof(*lens));
	char dead[RAQIB_KEY_MAX], max[24], rx[24];
	char(*names)[80] = calloc(nf + 1, sizeof(*names));
	struct raqib_redis_cmd c;
	redisReply *r = NULL;
	int rc = -ENOMEM;

	if (!argv || !lens || !names)
		goto out;
	if (raqib_key_site(site, dead, sizeof(dead)) || strlen(dead) + 5 > sizeof(dead)) {
		rc = -EINVAL;
		goto out;
	}
	strcat(dead, "dead"); /* NOLINT: length checked above */
	snprintf(max, sizeof(max), "%" PRIu64,
		 policy->dead_letters_max ? policy->dead_letters_max : 100000);
	snprintf(rx, sizeof(rx), "%" PRId64, rx_ms);
	argv[argc++] = "EVALSHA";
	argv[argc++] = s->scripts[SCRIPT_DEAD].sha;
	argv[argc++] = "2";
	argv[argc++] = stream;
	argv[argc++] = dead;
	argv[argc++] = RAQIB_GROUP_COLLECTORS;
	argv[argc++] = entry_id;
	argv[argc++] = max;
	argv[argc++] = "reason";
	argv[argc++] = reason;
	argv[argc++] = "code";
	argv[argc++] = code;
	argv[argc++] = "stream";
	argv[argc++] = stream;
	argv[argc++] = "id";
	argv[argc++] = entry_id;
	argv[argc++] = "rx";
	argv[argc++] = rx;
	for (size_t i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	/* the entry's own fields, as "f.<name>", for a replay */
	for (size_t i = 0; i < nf; i++) {
		snprintf(names[i], sizeof(names[i]), "f.%.*s",
			 (int)(fields[i].name_len < 64 ? fields[i].name_len : 64), fields[i].name);
		argv[argc] = names[i];
		lens[argc++] = strlen(names[i]);
		argv[argc] = fields[i].value;
		lens[argc++] = fields[i].value_len;
	}
	c = (struct raqib_redis_cmd){ .key = stream, .argc = (int)argc, .argv = argv, .lens = lens };
	rc = run_scripts(s, &s->scripts[SCRIPT_DEAD], 1, &c, &r);
	freeReplyObject(r);
out:
	free(names);
	free(lens);
	free(argv);
	return rc;
}

/* "<ms>-<seq>" as two numbers. */
static int parse_id(const char *id, uint64_t *ms, uint64_t *seq)
{
	return sscanf(id, "%" SCNu64 "-%" SCNu64, ms, seq) == 2 ? 0 : -EINVAL;
}

static bool id_less(const char *a, const char *b)
{
	uint64_t am, as, bm, bs;

	if (parse_id(a, &am, &as) || parse_id(b, &bm, &bs))
		return false;
	return am < bm || (am == bm && as < bs);
}

/* A field of an XINFO GROUPS group (a RESP2 flat map). */
static const redisReply *group_field(const redisReply *g, const char *name)
{
	for (size_t i = 0; g->type == REDIS_REPLY_ARRAY && i + 1 < g->elements; i += 2)
		if (g->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(g->element[i]->str, name) == 0)
			return g->element[i + 1];
	return NULL;
}

/* The trim point of one stream from its XINFO GROUPS reply; "" when nothing may go. A group
 * with pending entries needs its oldest one: *needs_pending names that group. */
static void trim_point(const redisReply *r, char *minid, size_t len, long long *lag,
		       const char **needs_pending)
{
	minid[0] = '\0';
	*lag = -1;
	*needs_pending = NULL;
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *g = r->element[i];
		const redisReply *name = group_field(g, "name"),
				 *pending = group_field(g, "pending");
		const redisReply *last = group_field(g, "last-delivered-id"),
				 *l = group_field(g, "lag");
		char point[48];
		uint64_t ms, seq;

		if (!name || !pending || !last || last->type != REDIS_REPLY_STRING) {
			minid[0] = '\0';
			return;
		}
		if (strcmp(name->str, RAQIB_GROUP_COLLECTORS) == 0 && l &&
		    l->type == REDIS_REPLY_INTEGER)
			*lag = l->integer;
		if (pending->type == REDIS_REPLY_INTEGER && pending->integer > 0) {
			/* one group at a time: the caller asks XPENDING and trims on its next round */
			*needs_pending = name->str;
			minid[0] = '\0';
			return;
		}
		if (parse_id(last->str, &ms, &seq) == 0 && seq < UINT64_MAX)
			snprintf(point, sizeof(point), "%" PRIu64 "-%" PRIu64, ms, seq + 1);
		else
			snprintf(point, sizeof(point), "%s", last->str);
		if (!minid[0] || id_less(point, minid))
			snprintf(minid, len, "%s", point);
	}
	if (strcmp(minid, "0-1") == 0 || strcmp(minid, "0-0") == 0)
		minid[0] = '\0';
}

int store_trim_streams(struct store *s, const char *const *streams, size_t n, long long *lag,
		       unsigned long long *trimmed)
{
	struct raqib_redis_cmd *cmds = calloc(n + 1, sizeof(*cmds));
	redisReply **replies = calloc(n + 1, sizeof(*replies));
	const char **argv = calloc(4 * n + 1, sizeof(*argv));
	char(*minid)[48] = calloc(n + 1, sizeof(*minid));
	size_t *at = calloc(n + 1, sizeof(*at));
	size_t k = 0;
	int rc = -ENOMEM;

	if (!cmds || !replies || !argv || !minid || !at)
		goto out;
	for (size_t i = 0; i < n; i++) {
		argv[4 * i] = "XINFO";
		argv[4 * i + 1] = "GROUPS";
		argv[4 * i + 2] = streams[i];
		cmds[i] = (struct raqib_redis_cmd){ .key = streams[i],
						    .argc = 3,
						    .argv = &argv[4 * i] };
	}
	rc = raqib_redis_pipeline(s->redis, n, cmds, replies);
	for (size_t i = 0; !rc && i < n; i++) {
		const char *group;

		trim_point(replies[i]->type == REDIS_REPLY_ARRAY ? replies[i] : NULL, minid[i],
			   sizeof(minid[i]), &lag[i], &group);
		if (group) {
			/* the oldest entry this group still owes an acknowledgement for */
			const char *xp[] = { "XPENDING", streams[i], group };
			redisReply *p = raqib_redis_command(s->redis, streams[i], 3, xp, NULL);

			if (p && p->type == REDIS_REPLY_ARRAY && p->elements >= 2 &&
			    p->element[1]->type == REDIS_REPLY_STRING)
				snprintf(minid[i], sizeof(minid[i]), "%s", p->element[1]->str);
			freeReplyObject(p);
		}
	}
	for (size_t i = 0; i < n; i++) {
		freeReplyObject(replies[i]);
		replies[i] = NULL;
	}
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!minid[i][0])
			continue;
		argv[4 * k] = "XTRIM";
		argv[4 * k + 1] = streams[i];
		argv[4 * k + 2] = "MINID";
		argv[4 * k + 3] = minid[i];
		cmds[k] = (struct raqib_redis_cmd){ .key = streams[i],
						    .argc = 4,
						    .argv = &argv[4 * k] };
		at[k++] = i;
	}
	rc = k ? raqib_redis_pipeline(s->redis, k, cmds, replies) : 0;
	for (size_t i = 0; i < k; i++) {
		if (replies[i] && replies[i]->type == REDIS_REPLY_INTEGER)
			*trimmed += (unsigned long long)replies[i]->integer;
		freeReplyObject(replies[i]);
	}
	if (rc)
		snprintf(s->error, sizeof(s->error), "cannot trim: %s",
			 raqib_redis_error(s->redis));
out:
	free(at);
	free(minid);
	free(argv);
	free(replies);
	free(cmds);
	return rc;
}

int store_claim_streams(struct store *s, const char *const *streams, size_t n, const char *consumer,
			int64_t min_idle_ms, size_t count, store_entry_fn fn, void *ctx)
{
	struct raqib_redis_cmd *cmds = calloc(n + 1, sizeof(*cmds));
	redisReply **replies = calloc(n + 1, sizeof(*replies));
	const char **argv = calloc(8 * n + 1, sizeof(*argv));
	char idle[24], count_text[24];
	int rc = -ENOMEM, total = 0;

	if (!cmds || !replies || !argv)
		goto out;
	snprintf(idle, sizeof(idle), "%" PRId64, min_idle_ms);
	snprintf(count_text, sizeof(count_text), "%zu", count);
	for (size_t i = 0; i < n; i++) {
		const char **a = &argv[8 * i];

		a[0] = "XAUTOCLAIM";
		a[1] = streams[i];
		a[2] = RAQIB_GROUP_COLLECTORS;
		a[3] = consumer;
		a[4] = idle;
		a[5] = "0-0";
		a[6] = "COUNT";
		a[7] = count_text;
		cmds[i] = (struct raqib_redis_cmd){ .key = streams[i], .argc = 8, .argv = a };
	}
	rc = raqib_redis_pipeline(s->redis, n, cmds, replies);
	for (size_t i = 0; !rc && i < n; i++) {
		const redisReply *r = replies[i];
		int got;

		/* NOGROUP: a stream made again since; the next round has its group */
		if (r->type != REDIS_REPLY_ARRAY || r->elements < 2)
			continue;
		got = handle_entries(r->element[1], i, fn, ctx);
		if (got < 0) {
			rc = got;
			break;
		}
		total += got;
	}
	if (rc == -EIO)
		snprintf(s->error, sizeof(s->error), "cannot claim: %s",
			 raqib_redis_error(s->redis));
out:
	for (size_t i = 0; replies && i < n; i++)
		freeReplyObject(replies[i]);
	free(argv);
	free(replies);
	free(cmds);
	return rc ? rc : total;
}

long long store_stream_len(struct store *s, const char *stream)
{
	const char *argv[] = { "XLEN", stream };
	redisReply *r = cmd(s, stream, 2, argv, "cannot read a stream's length");
	long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -EIO;

	freeReplyObject(r);
	return n;
}

long long store_cap_stream(struct store *s, const char *stream, uint64_t max_len)
{
	char max[24];
	const char *argv[] = { "XTRIM", stream, "MAXLEN", max };
	redisReply *r;
	long long n;

	snprintf(max, sizeof(max), "%" PRIu64, max_len);
	r = cmd(s, stream, 4, argv, "cannot cap a stream");
	n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -EIO;
	freeReplyObject(r);
	return n;
}
