// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the store (see store_query.h). Lists are sorted sets scored by receive time; a page
 * is ZREVRANGEBYSCORE from the cursor's time, skipping the members of that same millisecond
 * the previous page already gave, so that no item is given twice or skipped.
 */
#include "store_query.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "audit_log.h"
#include "doc_codec.h"
#include "raqib/keys.h"
#include "raqib/keyspace.h"
#include "raqib/redis_cluster.h"
#include "raqib/schema.h"

#define MAX_SITES	4096
#define MAX_FIELDS_READ 512

static const char *const incident_states[] = { "new", "triage", "confirmed", "false_positive",
					       "closed" };

static redisReply *run(struct store *s, const char *key, int argc, const char **argv)
{
	redisReply *r = raqib_redis_command(store_redis(s), key, argc, argv, NULL);

	if (!r || r->type == REDIS_REPLY_ERROR) {
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* "raqib:{<tag>}:inc:<n>" of an incident id "<tag>:<n>" ("s:rabat:4", "d:<sha>:1"). */
static int incident_key(const char *id, char *out, size_t len)
{
	const char *colon = strrchr(id, ':');
	char tag[RAQIB_KEY_MAX];
	size_t n;

	if (!colon || colon == id || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    !colon[1])
		return -EINVAL;
	n = (size_t)(colon - id);
	if (n >= sizeof(tag))
		return -EINVAL;
	memcpy(tag, id, n);
	tag[n] = '\0';
	if (strncmp(tag, RAQIB_TAG_SITE, 2) == 0) {
		if (raqib_key_site(tag + 2, out, len))
			return -EINVAL;
	} else if (strncmp(tag, RAQIB_TAG_DOCUMENT, 2) == 0) {
		if (raqib_key_document(tag + 2, out, len))
			return -EINVAL;
	} else if (strncmp(tag, RAQIB_TAG_VALUE, 2) == 0) {
		if (raqib_key_value(tag + 2, out, len))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	n = strlen(out);
	return snprintf(out + n, len - n, "inc:%s", colon + 1) >= (int)(len - n) ? -EINVAL : 0;
}

/* The site of an incident id, or "" for a spread incident (global refs). */
static void incident_site(const char *id, char *site, size_t len)
{
	const char *colon = strrchr(id, ':');

	site[0] = '\0';
	if (strncmp(id, RAQIB_TAG_SITE, 2) == 0 && colon && (size_t)(colon - id - 2) < len)
		snprintf(site, len, "%.*s", (int)(colon - id - 2), id + 2);
}

/* The alert key of a global ref "<site>:<agent>:<epoch>:<seq>". */
static int alert_key(const char *ref, char *out, size_t len)
{
	char site[RAQIB_SITE_MAX + 1];
	const char *colon = strchr(ref, ':');

	if (!colon || (size_t)(colon - ref) > RAQIB_SITE_MAX)
		return -EINVAL;
	memcpy(site, ref, (size_t)(colon - ref));
	site[colon - ref] = '\0';
	if (raqib_key_site(site, out, len))
		return -EINVAL;
	return snprintf(out + strlen(out), len - strlen(out), "a:%s", colon + 1) < 0 ? -EINVAL : 0;
}

/* A stored document, decoded (doc_codec.h). */
struct doc {
	char *json; /* NULL when gone (retention) or not readable */
	size_t len;
};

/* Fills the documents of n global refs (pipelined GETs, decoded). */
static int fetch_docs(struct store *s, char **refs, size_t n, struct doc *docs)
{
	struct raqib_redis_cmd *cmds = calloc(n + 1, sizeof(*cmds));
	char(*keys)[RAQIB_KEY_MAX] = calloc(n + 1, sizeof(*keys));
	const char **argv = calloc(2 * n + 1, sizeof(*argv));
	size_t k = 0;
	redisReply **rep = calloc(n + 1, sizeof(*rep));
	size_t *at = calloc(n + 1, sizeof(*at));
	int rc = -ENOMEM;

	if (!cmds || !keys || !argv || !rep || !at)
		goto out;
	for (size_t i = 0; i < n; i++) {
		docs[i] = (struct doc){ NULL, 0 };
		if (!refs[i] || alert_key(refs[i], keys[k], sizeof(keys[k])))
			continue;
		argv[2 * k] = "GET";
		argv[2 * k + 1] = keys[k];
		cmds[k] =
			(struct raqib_redis_cmd){ .key = keys[k], .argc = 2, .argv = &argv[2 * k] };
		at[k++] = i;
	}
	rc = k ? raqib_redis_pipeline(store_redis(s), k, cmds, rep) : 0;
	for (size_t i = 0; i < k; i++) {
		if (rep[i] && rep[i]->type == REDIS_REPLY_STRING &&
		    doc_unpack(rep[i]->str, rep[i]->len, &docs[at[i]].json, &docs[at[i]].len) ==
			    -ENOMEM)
			rc = -ENOMEM;
		if (!rep[i])
			rc = -EIO;
		freeReplyObject(rep[i]);
	}
out:
	free(at);
	free(rep);
	free(argv);
	free(keys);
	free(cmds);
	return rc;
}

static int parse_cursor(const char *cursor, int64_t *rx, long long *skip)
{
	if (!cursor[0]) {
		*rx = INT64_MAX;
		*skip = 0;
		return 0;
	}
	return sscanf(cursor, "%" SCNd64 ".%lld", rx, skip) == 2 && *skip >= 0 ? 0 : -EINVAL;
}

/* The sorted set of a filter, and whether its members are local refs of site. */
static int list_key(const struct store_filter *f, char *key, size_t len, char *site,
		    size_t site_len)
{
	char prefix[RAQIB_KEY_MAX];
	int n = 0;

	site[0] = '\0';
	switch (f->list) {
	case STORE_LIST_SITE:
	case STORE_LIST_HOST:
	case STORE_LIST_USER:
	case STORE_LIST_APP:
		if (!f->site || raqib_key_site(f->site, prefix, sizeof(prefix)))
			return -EINVAL;
		snprintf(site, site_len, "%s", f->site);
		if (f->list == STORE_LIST_SITE)
			n = snprintf(key, len, "%salerts", prefix);
		else if (!f->name || !f->name[0])
			return -EINVAL;
		else
			n = snprintf(key, len, "%stl:%s:%s", prefix,
				     f->list == STORE_LIST_HOST ? "host" :
				     f->list == STORE_LIST_USER ? "user" :
								  "app",
				     f->name);
		break;
	case STORE_LIST_INCIDENT:
		if (!f->name || incident_key(f->name, prefix, sizeof(prefix)))
			return -EINVAL;
		incident_site(f->name, site, site_len);
		n = snprintf(key, len, "%s:tl", prefix);
		break;
	case STORE_LIST_DOCUMENT:
	case STORE_LIST_VALUE:
		if (!f->name || (f->list == STORE_LIST_DOCUMENT ?
					 raqib_key_document(f->name, prefix, sizeof(prefix)) :
					 raqib_key_value(f->name, prefix, sizeof(prefix))))
			return -EINVAL;
		n = snprintf(key, len, "%salerts", prefix);
		break;
	}
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

/* Splits "gap:<kind>:<agent>:<detail>" in place. */
static bool split_gap(char *member, const char **kind, const char **agent, const char **detail)
{
	char *a, *b;

	if (strncmp(member, "gap:", 4) != 0)
		return false;
	a = strchr(member + 4, ':');
	b = a ? strchr(a + 1, ':') : NULL;
	if (!a || !b)
		return false;
	*a = '\0';
	*b = '\0';
	*kind = member + 4;
	*agent = a + 1;
	*detail = b + 1;
	return true;
}

static int severity_of(const char *json, size_t len)
{
	/* "severity":N without a JSON parse: the documents are ours, compact, ECS */
	const char *p = memmem(json, len, "\"severity\":", 11);

	return p ? atoi(p + 11) : 0;
}

int store_query_list(struct store *s, const struct store_filter *f, size_t limit,
		     char cursor[STORE_CURSOR_MAX], store_item_fn fn, void *ctx)
{
	char key[RAQIB_KEY_MAX], site[RAQIB_SITE_MAX + 1], max[32], min[32], off[24], cnt[24];
	const char *argv[9] = { "ZREVRANGEBYSCORE", key, max, min, "WITHSCORES", "LIMIT", off, cnt };
	char **refs = NULL;
	redisReply *r = NULL;
	struct doc *docs = NULL;
	int64_t rx, last_rx = -1;
	long long skip, same = 0;
	int given = 0, rc;

	if (limit == 0 || list_key(f, key, sizeof(key), site, sizeof(site)) ||
	    parse_cursor(cursor, &rx, &skip))
		return -EINVAL;
	if (f->to_ms && f->to_ms < rx)
		rx = f->to_ms, skip = 0;
	snprintf(max, sizeof(max), "%" PRId64, rx == INT64_MAX ? INT64_MAX / 2 : rx);
	snprintf(min, sizeof(min), "%" PRId64, f->from_ms);
	snprintf(off, sizeof(off), "%lld", skip);
	snprintf(cnt, sizeof(cnt), "%zu", limit);
	r = run(s, key, 8, argv);
	if (!r)
		return -EIO;
	if (r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		return -EIO;
	}
	refs = calloc(r->elements / 2 + 1, sizeof(*refs));
	docs = calloc(r->elements / 2 + 1, sizeof(*docs));
	if (!refs || !docs) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const char *m = r->element[i]->str;

		if (strncmp(m, "gap:", 4) == 0)
			continue;
		if (site[0]) {
			size_t len = strlen(site) + strlen(m) + 2;

			refs[i / 2] = malloc(len);
			if (refs[i / 2])
				snprintf(refs[i / 2], len, "%s:%s", site, m);
		} else {
			refs[i / 2] = strdup(m);
		}
	}
	rc = fetch_docs(s, refs, r->elements / 2, docs);
	if (rc)
		goto out;
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		struct store_item item = { .rx_ms = strtoll(r->element[i + 1]->str, NULL, 10) };
		char *member = r->element[i]->str;

		if (item.rx_ms == last_rx)
			same++;
		else
			same = item.rx_ms == rx ? skip + 1 : 1;
		last_rx = item.rx_ms;
		if (split_gap(member, &item.gap_kind, &item.gap_agent, &item.gap_detail)) {
			if (!f->gaps)
				continue;
		} else {
			item.ref = refs[i / 2];
			if (docs[i / 2].json) {
				item.json = docs[i / 2].json;
				item.json_len = docs[i / 2].len;
				if (f->min_severity &&
				    severity_of(item.json, item.json_len) < f->min_severity)
					continue;
			}
		}
		if (fn(ctx, &item) < 0)
			break;
		given++;
	}
	if (r->elements / 2 < limit)
		cursor[0] = '\0';
	else
		snprintf(cursor, STORE_CURSOR_MAX, "%" PRId64 ".%lld", last_rx, same);
	rc = given;
out:
	for (size_t i = 0; refs && i < r->elements / 2; i++) {
		free(refs[i]);
		if (docs)
			free(docs[i].json);
	}
	free(refs);
	free(docs);
	freeReplyObject(r);
	return rc;
}

int store_query_alert(struct store *s, const char *ref, store_item_fn fn, void *ctx)
{
	char *refs[1] = { (char *)ref };
	struct doc doc;
	struct store_item item = { .ref = ref };
	char key[RAQIB_KEY_MAX];
	int rc;

	if (alert_key(ref, key, sizeof(key)))
		return -EINVAL;
	rc = fetch_docs(s, refs, 1, &doc);
	if (rc)
		return rc;
	item.json = doc.json;
	item.json_len = doc.len;
	rc = fn(ctx, &item);
	free(doc.json);
	return rc < 0 ? rc : 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_query_sites(struct store *s, store_site_fn fn, void *ctx)
{
	const char *members[] = { "SMEMBERS", RAQIB_KEY_SITES };
	const char *vals[] = { "HVALS", RAQIB_KEY_REGISTRY };
	redisReply *a = run(s, RAQIB_KEY_SITES, 2, members);
	redisReply *b = a ? run(s, RAQIB_KEY_REGISTRY, 2, vals) : NULL;
	char **sites = NULL;
	size_t n = 0;
	int count = 0;

	if (!a || !b) {
		freeReplyObject(a);
		return -EIO;
	}
	sites = calloc(a->elements + b->elements + 1, sizeof(*sites));
	if (!sites) {
		count = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < a->elements; i++)
		sites[n++] = a->element[i]->str;
	for (size_t i = 0; i < b->elements; i++)
		sites[n++] = b->element[i]->str;
	qsort(sites, n, sizeof(*sites), compare_strings);
	for (size_t i = 0; i < n && count < MAX_SITES; i++) {
		if ((i && strcmp(sites[i], sites[i - 1]) == 0) ||
		    !raqib_site_is_valid(sites[i], strlen(sites[i])))
			continue;
		if (fn(ctx, sites[i]) < 0)
			break;
		count++;
	}
out:
	free(sites);
	freeReplyObject(a);
	freeReplyObject(b);
	return count;
}

/* The merge of every site's newest alerts. */
struct recent {
	struct store *s;
	size_t limit;
	struct {
		int64_t rx;
		char *ref;
		char *json;
		size_t len;
	} * items;
	size_t n, cap;
	int err;
};

static int keep_recent(void *ctx, const struct store_item *it)
{
	struct recent *r = ctx;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		void *more = reallocarray(r->items, cap, sizeof(*r->items));

		if (!more)
			return -ENOMEM;
		r->items = more;
		r->cap = cap;
	}
	r->items[r->n].rx = it->rx_ms;
	r->items[r->n].ref = strdup(it->ref ? it->ref : "");
	r->items[r->n].json = it->json ? strndup(it->json, it->json_len) : NULL;
	r->items[r->n].len = it->json_len;
	r->n++;
	return 0;
}

static int recent_site(void *ctx, const char *site)
{
	struct recent *r = ctx;
	struct store_filter f = { .list = STORE_LIST_SITE, .site = site };
	char cursor[STORE_CURSOR_MAX] = "";
	int n = store_query_list(r->s, &f, r->limit, cursor, keep_recent, r);

	if (n < 0)
		r->err = n;
	return n < 0 ? n : 0;
}

static int compare_recent(const void *a, const void *b)
{
	const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

int store_query_recent(struct store *s, size_t limit, store_item_fn fn, void *ctx)
{
	struct recent r = { .s = s, .limit = limit };
	int n = store_query_sites(s, recent_site, &r), given = 0;

	if (n >= 0 && r.err)
		n = r.err;
	if (n >= 0) {
		if (r.n)
			qsort(r.items, r.n, sizeof(*r.items), compare_recent);
		for (size_t i = 0; i < r.n && (size_t)given < limit; i++) {
			struct store_item it = { .rx_ms = r.items[i].rx,
						 .ref = r.items[i].ref,
						 .json = r.items[i].json,
						 .json_len = r.items[i].len };

			if (fn(ctx, &it) < 0)
				break;
			given++;
		}
		n = given;
	}
	for (size_t i = 0; i < r.n; i++) {
		free(r.items[i].ref);
		free(r.items[i].json);
	}
	free(r.items);
	return n;
}

struct value_ctx {
	store_alert_fn fn;
	void *ctx;
	long long n;
};

static int value_item(void *ctx, const struct store_item *it)
{
	struct value_ctx *v = ctx;

	if (!it->ref || !it->json)
		return 0;
	v->n++;
	return v->fn(v->ctx, it->ref, it->rx_ms, it->json, it->json_len);
}

long long store_query_value(struct store *s, const char *stored_hash, size_t limit,
			    store_alert_fn fn, void *ctx)
{
	struct store_filter f = { .list = STORE_LIST_VALUE, .name = stored_hash };
	struct value_ctx v = { .fn = fn, .ctx = ctx };
	char cursor[STORE_CURSOR_MAX] = "";
	int n = store_query_list(s, &f, limit, cursor, value_item, &v);

	return n < 0 ? n : v.n;
}

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

int store_query_incident(struct store *s, const char *id, store_incident_fn fn, void *ctx)
{
	struct stream_field fields[64];
	char key[RAQIB_KEY_MAX];
	const char *argv[] = { "HGETALL", key };
	redisReply *r;
	int rc;

	if (incident_key(id, key, sizeof(key)))
		return -EINVAL;
	r = run(s, key, 2, argv);
	if (!r)
		return -EIO;
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		freeReplyObject(r);
		return -ENOENT;
	}
	rc = fn(ctx, id, fields, hash_fields(r, fields, 64));
	freeReplyObject(r);
	return rc < 0 ? rc : 0;
}

int store_query_incidents(struct store *s, size_t limit, char cursor[STORE_CURSOR_MAX],
			  store_incident_fn fn, void *ctx)
{
	char max[32], off[24], cnt[24];
	const char *argv[] = { "ZREVRANGEBYSCORE",
			       RAQIB_KEY_INCIDENTS,
			       max,
			       "-inf",
			       "WITHSCORES",
			       "LIMIT",
			       off,
			       cnt };
	int64_t rx, last = -1;
	long long skip, same = 0;
	redisReply *r;
	int given = 0;

	if (parse_cursor(cursor, &rx, &skip) || limit == 0)
		return -EINVAL;
	snprintf(max, sizeof(max), "%" PRId64, rx == INT64_MAX ? INT64_MAX / 2 : rx);
	snprintf(off, sizeof(off), "%lld", skip);
	snprintf(cnt, sizeof(cnt), "%zu", limit);
	r = run(s, RAQIB_KEY_INCIDENTS, 8, argv);
	if (!r)
		return -EIO;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
		int64_t score = strtoll(r->element[i + 1]->str, NULL, 10);
		int rc;

		same = score == last ? same + 1 : score == rx ? skip + 1 : 1;
		last = score;
		rc = store_query_incident(s, r->element[i]->str, fn, ctx);
		if (rc == -ENOENT || rc == -EINVAL)
			continue; /* removed by retention since */
		if (rc < 0) {
			given = rc;
			break;
		}
		given++;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements / 2 < limit)
		cursor[0] = '\0';
	else
		snprintf(cursor, STORE_CURSOR_MAX, "%" PRId64 ".%lld", last, same);
	freeReplyObject(r);
	return given;
}

int store_query_notes(struct store *s, const char *id, store_note_fn fn, void *ctx)
{
	char key[RAQIB_KEY_MAX + 8];
	const char *argv[] = { "LRANGE", key, "0", "-1" };
	redisReply *r;
	int n = 0;

	if (incident_key(id, key, sizeof(key) - 8))
		return -EINVAL;
	strcat(key, ":notes"); /* NOLINT: room kept above */
	r = run(s, key, 4, argv);
	if (!r)
		return -EIO;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		if (fn(ctx, r->element[i]->str) < 0)
			break;
		n++;
	}
	freeReplyObject(r);
	return n;
}

static bool is_state(const char *state)
{
	for (size_t i = 0; i < sizeof(incident_states) / sizeof(incident_states[0]); i++)
		if (strcmp(state, incident_states[i]) == 0)
			return true;
	return false;
}

int store_incident_update(struct store *s, const char *id, const char *state, const char *assignee,
			  const char *note, const char *who, int64_t now_ms)
{
	char key[RAQIB_KEY_MAX], notes[RAQIB_KEY_MAX + 8], now[24], line[1200];
	const char *exists[] = { "EXISTS", key };
	redisReply *r;
	int rc = 0;

	if (incident_key(id, key, sizeof(key)) || (state && !is_state(state)))
		return -EINVAL;
	r = run(s, key, 2, exists);
	if (!r)
		return -EIO;
	if (r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
		freeReplyObject(r);
		return -ENOENT;
	}
	freeReplyObject(r);
	snprintf(now, sizeof(now), "%" PRId64, now_ms);
	snprintf(notes, sizeof(notes), "%s:notes", key);
	if (state) {
		const char *argv[] = { "HSET", key, "state", state, "changed", now };

		r = run(s, key, 6, argv);
		rc = r ? rc : -EIO;
		freeReplyObject(r);
	}
	if (assignee && !rc) {
		const char *argv[] = { "HSET", key, "assignee", assignee };

		r = run(s, key, 4, argv);
		rc = r ? rc : -EIO;
		freeReplyObject(r);
	}
	if (note && !rc) {
		const char *argv[] = { "RPUSH", notes, line };

		snprintf(line, sizeof(line), "%s %s: %.1000s", now, who, note);
		r = run(s, notes, 3, argv);
		rc = r ? rc : -EIO;
		freeReplyObject(r);
	}
	if (!rc) {
		const char *zadd[] = { "ZADD", RAQIB_KEY_INCIDENTS, now, id };
		const struct audit_field audit[] = {
			{ "action", "incident" },
			{ "who", who },
			{ "incident", id },
			{ "state", state ? state : "-" },
			{ "assignee", assignee ? assignee : "-" },
			{ "note", note ? "yes" : "no" },
			{ "ts", now },
		};

		r = run(s, RAQIB_KEY_INCIDENTS, 4, zadd);
		rc = r ? rc : -EIO;
		freeReplyObject(r);
		if (!rc)
			rc = audit_append(store_redis(s), audit, sizeof(audit) / sizeof(audit[0]));
	}
	return rc;
}

struct agents_ctx {
	struct store *s;
	store_agent_fn fn;
	void *ctx;
	int n, err;
};

/* Every agent of the registry, with its site's hashes. */
static int one_agent(struct agents_ctx *a, const char *site, const char *agent)
{
	struct stream_field *hb = calloc(MAX_FIELDS_READ, sizeof(*hb));
	struct stream_field seq[32];
	char prefix[RAQIB_KEY_MAX], key[RAQIB_KEY_MAX + 160], skey[RAQIB_KEY_MAX + 160];
	const char *hget[] = { "HGETALL", key };
	const char *sget[] = { "HGETALL", skey };
	redisReply *h = NULL, *q = NULL;
	size_t nh, nq = 0;
	int rc = -EIO;

	if (!hb || raqib_key_site(site, prefix, sizeof(prefix))) {
		free(hb);
		return hb ? 0 : -ENOMEM;
	}
	snprintf(key, sizeof(key), "%sagent:%s", prefix, agent);
	h = run(a->s, key, 2, hget);
	if (!h)
		goto out;
	nh = hash_fields(h, hb, MAX_FIELDS_READ);
	/* the sequence state of the epoch the agent says it is on, else of one it used */
	skey[0] = '\0';
	for (size_t i = 0; i < nh; i++)
		if (hb[i].name_len == 12 && memcmp(hb[i].name, "outbox.epoch", 12) == 0)
			snprintf(skey, sizeof(skey), "%sseq:%s:%.*s", prefix, agent,
				 (int)hb[i].value_len, hb[i].value);
	if (!skey[0]) {
		char ekey[RAQIB_KEY_MAX + 80];
		const char *eget[] = { "SRANDMEMBER", ekey };
		redisReply *e;

		snprintf(ekey, sizeof(ekey), "%sepochs:%s", prefix, agent);
		e = run(a->s, ekey, 2, eget);
		if (!e)
			goto out;
		if (e->type == REDIS_REPLY_STRING)
			snprintf(skey, sizeof(skey), "%sseq:%s:%s", prefix, agent, e->str);
		freeReplyObject(e);
	}
	if (skey[0]) {
		q = run(a->s, skey, 2, sget);
		if (!q)
			goto out;
		nq = hash_fields(q, seq, 32);
	}
	rc = a->fn(a->ctx, site, agent, hb, nh, seq, nq);
	a->n++;
out:
	freeReplyObject(h);
	freeReplyObject(q);
	free(hb);
	return rc;
}

int store_query_agents(struct store *s, store_agent_fn fn, void *ctx)
{
	struct agents_ctx a = { .s = s, .fn = fn, .ctx = ctx };
	const char *argv[] = { "HGETALL", RAQIB_KEY_REGISTRY };
	redisReply *r = run(s, RAQIB_KEY_REGISTRY, 2, argv);
	char **ids = NULL;
	size_t n = 0;
	int rc = 0;

	if (!r)
		return -EIO;
	/* "agent\tsite" sorted by agent */
	ids = calloc(r->elements / 2 + 1, sizeof(*ids));
	for (size_t i = 0; ids && i + 1 < r->elements; i += 2) {
		size_t len = r->element[i]->len + r->element[i + 1]->len + 2;

		ids[n] = malloc(len);
		if (ids[n])
			snprintf(ids[n++], len, "%s\t%s", r->element[i]->str,
				 r->element[i + 1]->str);
	}
	if (n)
		qsort(ids, n, sizeof(*ids), compare_strings);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		char *tab = strchr(ids[i], '\t');

		*tab = '\0';
		if (raqib_agent_id_is_valid(ids[i], strlen(ids[i])))
			rc = one_agent(&a, tab + 1, ids[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	freeReplyObject(r);
	return rc < 0 ? rc : a.n;
}

struct list_agents_ctx {
	store_agent_id_fn fn;
	void *ctx;
};

static int without_site(void *ctx, const char *site, const char *agent_id,
			const struct stream_field *hb, size_t n_hb, const struct stream_field *seq,
			size_t n_seq)
{
	struct list_agents_ctx *l = ctx;

	(void)site;
	return l->fn(l->ctx, agent_id, hb, n_hb, seq, n_seq);
}

int store_list_agents(struct store *s, store_agent_id_fn fn, void *ctx)
{
	struct list_agents_ctx l = { .fn = fn, .ctx = ctx };

	return store_query_agents(s, without_site, &l);
}

struct dead_ctx {
	struct store *s;
	size_t limit;
	store_dead_fn fn;
	void *ctx;
	int n;
	int err;
};

static int dead_site(void *ctx, const char *site)
{
	struct dead_ctx *d = ctx;
	struct stream_field fields[32];
	char key[RAQIB_KEY_MAX], cnt[24];
	const char *argv[] = { "XREVRANGE", key, "+", "-", "COUNT", cnt };
	redisReply *r;

	if (raqib_key_site(site, key, sizeof(key)))
		return 0;
	strncat(key, "dead", sizeof(key) - strlen(key) - 1);
	snprintf(cnt, sizeof(cnt), "%zu", d->limit);
	r = run(d->s, key, 6, argv);
	if (!r) {
		d->err = -EIO;
		return -EIO;
	}
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *e = r->element[i];

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
			continue;
		if (d->fn(d->ctx, site, e->element[0]->str, fields,
			  hash_fields(e->element[1], fields, 32)) < 0)
			break;
		d->n++;
	}
	freeReplyObject(r);
	return 0;
}

int store_query_dead(struct store *s, size_t limit, store_dead_fn fn, void *ctx)
{
	struct dead_ctx d = { .s = s, .limit = limit, .fn = fn, .ctx = ctx };
	int rc = store_query_sites(s, dead_site, &d);

	return rc < 0 ? rc : d.err ? d.err : d.n;
}

struct replay_ctx {
	const char *code;
	const char *who;
	int64_t now_ms;
	long long n;
	int err;
	struct store *s;
};

static const struct stream_field *find(const struct stream_field *f, size_t n, const char *name)
{
	return ingest_find_field(f, n, name);
}

static int replay_one(void *ctx, const char *site, const char *id,
		      const struct stream_field *fields, size_t n)
{
	struct replay_ctx *r = ctx;
	const struct stream_field *code = find(fields, n, "code"),
				  *stream = find(fields, n, "stream");
	const char *argv[2 + 2 * 16 + 1];
	size_t lens[2 + 2 * 16 + 1];
	char dead[RAQIB_KEY_MAX], skey[RAQIB_KEY_MAX];
	int argc = 0;
	redisReply *rep;

	if (!code || !stream || stream->value_len >= sizeof(skey) ||
	    (r->code && (code->value_len != strlen(r->code) ||
			 memcmp(code->value, r->code, code->value_len) != 0)))
		return 0;
	memcpy(skey, stream->value, stream->value_len);
	skey[stream->value_len] = '\0';
	argv[argc] = "XADD";
	lens[argc++] = 4;
	argv[argc] = skey;
	lens[argc++] = strlen(skey);
	argv[argc] = "*";
	lens[argc++] = 1;
	for (size_t i = 0; i < n && argc + 2 < (int)(sizeof(argv) / sizeof(argv[0])); i++) {
		if (fields[i].name_len < 3 || memcmp(fields[i].name, "f.", 2) != 0)
			continue;
		argv[argc] = fields[i].name + 2;
		lens[argc++] = fields[i].name_len - 2;
		argv[argc] = fields[i].value;
		lens[argc++] = fields[i].value_len;
	}
	if (argc == 3)
		return 0; /* kept without its fields: nothing to replay */
	rep = raqib_redis_command(store_redis(r->s), skey, argc, argv, lens);
	if (!rep || rep->type == REDIS_REPLY_ERROR) {
		freeReplyObject(rep);
		r->err = -EIO;
		return -EIO;
	}
	freeReplyObject(rep);
	if (raqib_key_site(site, dead, sizeof(dead)))
		return 0;
	strncat(dead, "dead", sizeof(dead) - strlen(dead) - 1);
	{
		const char *del[] = { "XDEL", dead, id };

		rep = run(r->s, dead, 3, del);
		if (!rep) {
			r->err = -EIO;
			return -EIO;
		}
		freeReplyObject(rep);
	}
	r->n++;
	return 0;
}

long long store_dead_replay(struct store *s, const char *code, const char *who, int64_t now_ms)
{
	struct replay_ctx r = { .code = code, .who = who, .now_ms = now_ms, .s = s };
	char n[24], now[24];
	int rc = store_query_dead(s, 100000, replay_one, &r);

	if (rc < 0 || r.err)
		return -EIO;
	snprintf(n, sizeof(n), "%lld", r.n);
	snprintf(now, sizeof(now), "%" PRId64, now_ms);
	{
		const struct audit_field audit[] = {
			{ "action", "replay" }, { "who", who }, { "code", code ? code : "all" },
			{ "replayed", n },	{ "ts", now },
		};

		if (audit_append(store_redis(s), audit, sizeof(audit) / sizeof(audit[0])))
			return -EIO;
	}
	return r.n;
}

int store_query_list_key(const struct store_filter *f, char *key, size_t len, char *site,
			 size_t site_len)
{
	return list_key(f, key, len, site, site_len);
}
