// SPDX-License-Identifier: GPL-2.0-only
/* The desk's reads of the store (see store_desk.h). */
#include "store_desk.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "doc_codec.h"
#include "raqib/keyspace.h"
#include "raqib/redis_cluster.h"
#include "raqib/schema.h"

#define SUBS_MAX  4096
#define ROUND_MAX 1000 /* items per list and round, past the ones skipped */

/* One list the filter reads. */
struct sub {
	char key[RAQIB_KEY_MAX];
	char site[RAQIB_SITE_MAX + 1]; /* its members are local refs of this site; "" global */
	bool gaps_only; /* read for its coverage gaps only (an incident's host) */
	bool gaps; /* its gaps are given */
	int64_t from_ms, to_ms;
	redisReply *rep; /* this round's members and scores */
	bool exhausted; /* it gave fewer than asked this round */
};

struct desk_read {
	struct store *s;
	const struct desk_filter *f;
	struct sub *subs;
	size_t n_subs;
	/* which filters the index does not imply, checked on each document */
	bool check_site, check_host, check_user, check_app, check_document, check_value;
};

/* A merged item: its time, its list and its place there. */
struct merged {
	int64_t rx;
	size_t sub;
	size_t pos; /* index of the member in the reply (pairs: member, score) */
};

static int add_sub(struct desk_read *d, const struct store_filter *sf, bool gaps_only, bool gaps,
		   int64_t from_ms, int64_t to_ms)
{
	struct sub *x;

	if (d->n_subs == SUBS_MAX)
		return -E2BIG;
	x = &d->subs[d->n_subs];
	memset(x, 0, sizeof(*x));
	if (store_query_list_key(sf, x->key, sizeof(x->key), x->site, sizeof(x->site)))
		return -EINVAL;
	x->gaps_only = gaps_only;
	x->gaps = gaps;
	x->from_ms = from_ms;
	x->to_ms = to_ms;
	d->n_subs++;
	return 0;
}

struct sites_ctx {
	struct desk_read *d;
	enum store_list list;
	const char *name;
	int err;
};

static int add_site(void *ctx, const char *site)
{
	struct sites_ctx *c = ctx;
	struct store_filter sf = { .list = c->list, .site = site, .name = c->name };

	c->err = add_sub(c->d, &sf, false, false, c->d->f->from_ms, c->d->f->to_ms);
	return c->err;
}

int store_desk_agent_site(struct store *s, const char *agent, char *site, size_t len)
{
	const char *argv[] = { "HGET", RAQIB_KEY_REGISTRY, agent };
	redisReply *r = raqib_redis_command(store_redis(s), RAQIB_KEY_REGISTRY, 3, argv, NULL);
	int rc = -ENOENT;

	if (!r || r->type == REDIS_REPLY_ERROR)
		rc = -EIO;
	else if (r->type == REDIS_REPLY_STRING && raqib_site_is_valid(r->str, r->len) &&
		 r->len < len)
		rc = snprintf(site, len, "%s", r->str) < 0 ? -EIO : 0;
	freeReplyObject(r);
	return rc;
}

/* The span and host of a site incident, for its host's gaps. */
struct incident_span {
	int64_t first, last;
	char host[80];
};

static int read_span(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	struct incident_span *sp = ctx;
	const struct stream_field *x;

	(void)id;
	x = ingest_find_field(f, n, "first");
	sp->first = x ? strtoll(x->value, NULL, 10) : 0;
	x = ingest_find_field(f, n, "last");
	sp->last = x ? strtoll(x->value, NULL, 10) : 0;
	x = ingest_find_field(f, n, "host");
	if (x && x->value_len < sizeof(sp->host))
		snprintf(sp->host, sizeof(sp->host), "%.*s", (int)x->value_len, x->value);
	return 0;
}

/* Which lists a filter reads, and which of its parts are checked on the documents. */
static int plan(struct desk_read *d)
{
	const struct desk_filter *f = d->f;
	struct store_filter sf = { 0 };
	char site[RAQIB_SITE_MAX + 1];
	int rc;

	d->check_site = f->site != NULL;
	d->check_host = f->host != NULL;
	d->check_user = f->user != NULL;
	d->check_app = f->app != NULL;
	d->check_document = f->document != NULL;
	d->check_value = f->value != NULL;
	if (f->incident) {
		struct incident_span sp = { 0 };

		sf = (struct store_filter){ .list = STORE_LIST_INCIDENT, .name = f->incident };
		rc = add_sub(d, &sf, false, false, f->from_ms, f->to_ms);
		if (rc)
			return rc;
		rc = store_query_incident(d->s, f->incident, read_span, &sp);
		if (rc)
			return rc;
		/* a site incident's host: its coverage gaps over the incident's span */
		if (f->gaps && strncmp(f->incident, RAQIB_TAG_SITE, 2) == 0 && sp.host[0] &&
		    raqib_agent_id_is_valid(sp.host, strlen(sp.host))) {
			const char *colon = strrchr(f->incident, ':');

			snprintf(site, sizeof(site), "%.*s", (int)(colon - f->incident - 2),
				 f->incident + 2);
			sf = (struct store_filter){ .list = STORE_LIST_HOST,
						    .site = site,
						    .name = sp.host };
			rc = add_sub(d, &sf, true, true, sp.first, sp.last);
		}
		return rc;
	}
	if (f->value || f->document) {
		sf = (struct store_filter){ .list = f->value ? STORE_LIST_VALUE :
							       STORE_LIST_DOCUMENT,
					    .name = f->value ? f->value : f->document };
		if (f->value)
			d->check_value = false;
		else
			d->check_document = false;
		return add_sub(d, &sf, false, false, f->from_ms, f->to_ms);
	}
	if (f->user || f->host) {
		const char *agent = f->user ? f->user : f->host;
		size_t agent_len = f->user ? (size_t)(strchr(f->user, '/') - f->user) :
					     strlen(agent);
		char id[65];

		if (agent_len >= sizeof(id))
			return -EINVAL;
		snprintf(id, sizeof(id), "%.*s", (int)agent_len, agent);
		if (f->site) {
			snprintf(site, sizeof(site), "%s", f->site);
		} else {
			rc = store_desk_agent_site(d->s, id, site, sizeof(site));
			if (rc)
				return rc;
		}
		d->check_site = false;
		if (f->user) {
			d->check_user = false;
			sf = (struct store_filter){ .list = STORE_LIST_USER,
						    .site = site,
						    .name = f->user };
		} else {
			d->check_host = false;
			sf = (struct store_filter){ .list = STORE_LIST_HOST,
						    .site = site,
						    .name = f->host };
		}
		return add_sub(d, &sf, false, f->gaps && !f->user, f->from_ms, f->to_ms);
	}
	{
		struct sites_ctx c = { .d = d,
				       .list = f->app ? STORE_LIST_APP : STORE_LIST_SITE,
				       .name = f->app };

		d->check_site = false;
		d->check_app = false;
		if (f->site)
			return add_site(&c, f->site);
		rc = store_query_sites(d->s, add_site, &c);
		return rc < 0 ? rc : c.err;
	}
}

static bool string_is(json_t *obj, const char *a, const char *b, const char *want)
{
	json_t *v = json_object_get(obj, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* The checks the index did not make, on an alert document. */
static bool matches(const struct desk_read *d, const char *ref, const char *json, size_t len)
{
	const struct desk_filter *f = d->f;
	json_t *doc;
	bool ok = true;

	if (d->check_site &&
	    (strncmp(ref, f->site, strlen(f->site)) != 0 || ref[strlen(f->site)] != ':'))
		return false;
	if (!d->check_host && !d->check_user && !d->check_app && !f->rule && !d->check_document &&
	    !d->check_value)
		return true;
	doc = json_loadb(json, len, 0, NULL);
	if (!doc)
		return false;
	if (d->check_host && !string_is(doc, "agent", "id", f->host))
		ok = false;
	if (ok && d->check_user) {
		const char *slash = strchr(f->user, '/');
		char agent[65];

		snprintf(agent, sizeof(agent), "%.*s", (int)(slash - f->user), f->user);
		ok = string_is(doc, "agent", "id", agent) &&
		     string_is(doc, "user", "id", slash + 1);
	}
	if (ok && d->check_app)
		ok = string_is(json_object_get(doc, "raqib"), "app", NULL, f->app);
	if (ok && f->rule)
		ok = string_is(doc, "rule", "id", f->rule);
	if (ok && d->check_document)
		ok = string_is(json_object_get(doc, "file"), "hash", "sha256", f->document);
	if (ok && d->check_value) {
		json_t *findings = json_object_get(json_object_get(doc, "raqib"), "findings"), *x;
		size_t i;

		ok = false;
		json_array_foreach(findings, i, x) {
			if (string_is(x, "hash", NULL, f->value)) {
				ok = true;
				break;
			}
		}
	}
	json_decref(doc);
	return ok;
}

static int parse_cursor(const char *cursor, int64_t *rx, long long *skip)
{
	char *end;

	if (!cursor[0]) {
		*rx = INT64_MAX;
		*skip = 0;
		return 0;
	}
	errno = 0;
	*rx = strtoll(cursor, &end, 10);
	if (errno || *end != '.' || *rx < 0)
		return -EINVAL;
	*skip = strtoll(end + 1, &end, 10);
	return errno || *end || *skip < 0 || *skip > 1000000 ? -EINVAL : 0;
}

/* This round's members of every list not exhausted: top m from rx down, pipelined. */
static int fetch_round(struct desk_read *d, int64_t rx, size_t m)
{
	struct raqib_redis_cmd *cmds = calloc(d->n_subs, sizeof(*cmds));
	const char **argv = calloc(d->n_subs * 8, sizeof(*argv));
	char(*nums)[3][24] = calloc(d->n_subs, sizeof(*nums));
	redisReply **reps = calloc(d->n_subs, sizeof(*reps));
	int rc = -ENOMEM;

	if (!cmds || !argv || !nums || !reps)
		goto out;
	for (size_t i = 0; i < d->n_subs; i++) {
		struct sub *x = &d->subs[i];
		int64_t max = rx;

		if (x->to_ms && x->to_ms < max)
			max = x->to_ms;
		snprintf(nums[i][0], sizeof(nums[i][0]), "%" PRId64,
			 max == INT64_MAX ? INT64_MAX / 2 : max);
		snprintf(nums[i][1], sizeof(nums[i][1]), "%" PRId64, x->from_ms);
		snprintf(nums[i][2], sizeof(nums[i][2]), "%zu", m);
		argv[8 * i] = "ZREVRANGEBYSCORE";
		argv[8 * i + 1] = x->key;
		argv[8 * i + 2] = nums[i][0];
		argv[8 * i + 3] = nums[i][1];
		argv[8 * i + 4] = "WITHSCORES";
		argv[8 * i + 5] = "LIMIT";
		argv[8 * i + 6] = "0";
		argv[8 * i + 7] = nums[i][2];
		cmds[i] =
			(struct raqib_redis_cmd){ .key = x->key, .argc = 8, .argv = &argv[8 * i] };
	}
	rc = raqib_redis_pipeline(store_redis(d->s), d->n_subs, cmds, reps);
	for (size_t i = 0; i < d->n_subs; i++) {
		struct sub *x = &d->subs[i];

		freeReplyObject(x->rep);
		x->rep = reps[i];
		if (!x->rep || x->rep->type != REDIS_REPLY_ARRAY) {
			rc = -EIO;
			continue;
		}
		x->exhausted = x->rep->elements / 2 < m;
	}
out:
	free(reps);
	free(nums);
	free(argv);
	free(cmds);
	return rc;
}

static int compare_merged(const void *a, const void *b)
{
	const struct merged *x = a, *y = b;

	if (x->rx != y->rx)
		return x->rx < y->rx ? 1 : -1;
	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Splits "gap:<kind>:<agent>:<detail>" (a copy) into the item. */
static bool gap_item(char *member, struct store_item *it)
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
	it->gap_kind = member + 4;
	it->gap_agent = a + 1;
	it->gap_detail = b + 1;
	return true;
}

/* The global ref of a member, and its document's key. */
static int ref_of(const struct sub *x, const char *member, char *ref, size_t ref_len, char *key,
		  size_t key_len)
{
	const char *colon;
	char site[RAQIB_SITE_MAX + 1];
	size_t n;

	if (x->site[0]) {
		if (snprintf(ref, ref_len, "%s:%s", x->site, member) >= (int)ref_len)
			return -EINVAL;
	} else if (snprintf(ref, ref_len, "%s", member) >= (int)ref_len) {
		return -EINVAL;
	}
	colon = strchr(ref, ':');
	if (!colon || (size_t)(colon - ref) > RAQIB_SITE_MAX)
		return -EINVAL;
	memcpy(site, ref, (size_t)(colon - ref));
	site[colon - ref] = '\0';
	if (raqib_key_site(site, key, key_len))
		return -EINVAL;
	n = strlen(key);
	return snprintf(key + n, key_len - n, "a:%s", colon + 1) >= (int)(key_len - n) ? -EINVAL :
											 0;
}

struct walk {
	struct desk_read *d;
	struct merged *items;
	size_t n, at, end; /* walk items[at, end) */
	int64_t cur_rx;
	long long same;
	size_t given, limit, scanned, scan_max;
	store_item_fn fn;
	void *ctx;
	bool stopped;
};

/* Walks a chunk of merged items: reads their documents together, then gives those that match. */
static int walk_chunk(struct walk *w, size_t count)
{
	struct raqib_redis_cmd *cmds = calloc(count, sizeof(*cmds));
	char(*keys)[RAQIB_KEY_MAX] = calloc(count, sizeof(*keys));
	char(*refs)[RAQIB_KEY_MAX] = calloc(count, sizeof(*refs));
	const char **argv = calloc(2 * count, sizeof(*argv));
	redisReply **docs = calloc(count, sizeof(*docs));
	size_t *cmd_of = calloc(count, sizeof(*cmd_of)), k = 0, base = w->at;
	int rc = -ENOMEM;

	if (!cmds || !keys || !refs || !argv || !docs || !cmd_of)
		goto out;
	for (size_t i = 0; i < count; i++) {
		const struct merged *m = &w->items[base + i];
		const struct sub *x = &w->d->subs[m->sub];
		const char *member = x->rep->element[m->pos]->str;

		cmd_of[i] = SIZE_MAX;
		if (strncmp(member, "gap:", 4) == 0 || x->gaps_only ||
		    ref_of(x, member, refs[i], sizeof(refs[i]), keys[i], sizeof(keys[i])))
			continue;
		argv[2 * k] = "GET";
		argv[2 * k + 1] = keys[i];
		cmds[k] =
			(struct raqib_redis_cmd){ .key = keys[i], .argc = 2, .argv = &argv[2 * k] };
		cmd_of[i] = k++;
	}
	rc = k ? raqib_redis_pipeline(store_redis(w->d->s), k, cmds, docs) : 0;
	if (rc)
		goto out;
	for (size_t i = 0; i < count && !w->stopped; i++) {
		const struct merged *m = &w->items[base + i];
		const struct sub *x = &w->d->subs[m->sub];
		char member[RAQIB_KEY_MAX];
		struct store_item it = { .rx_ms = m->rx };
		bool give;

		if (m->rx == w->cur_rx) {
			w->same++;
		} else {
			w->cur_rx = m->rx;
			w->same = 1;
		}
		w->scanned++;
		snprintf(member, sizeof(member), "%s", x->rep->element[m->pos]->str);
		if (gap_item(member, &it)) {
			give = x->gaps;
		} else if (x->gaps_only || cmd_of[i] == SIZE_MAX) {
			give = false;
		} else {
			redisReply *doc = docs[cmd_of[i]];
			char *json = NULL;
			size_t json_len = 0;

			it.ref = refs[i];
			/* stored compressed (doc_codec.h); one that does not decode is shown as gone */
			if (doc && doc->type == REDIS_REPLY_STRING &&
			    doc_unpack(doc->str, doc->len, &json, &json_len) == 0) {
				it.json = json;
				it.json_len = json_len;
			}
			/* an alert retention removed is given without its document */
			give = !it.json || matches(w->d, it.ref, it.json, it.json_len);
			if (give && it.json && w->d->f->min_severity) {
				const char *p = memmem(it.json, it.json_len, "\"severity\":", 11);

				give = p && atoi(p + 11) >= w->d->f->min_severity;
			}
		}
		if (give && w->fn(w->ctx, &it) < 0)
			w->stopped = true;
		else if (give)
			w->given++;
		free((char *)(it.ref ? it.json : NULL));
		if (w->stopped)
			continue;
		if (w->given == w->limit || w->scanned >= w->scan_max)
			w->stopped = true;
		w->at++;
	}
	rc = 0;
out:
	for (size_t i = 0; docs && i < k; i++)
		freeReplyObject(docs[i]);
	free(cmd_of);
	free(docs);
	free(argv);
	free(refs);
	free(keys);
	free(cmds);
	return rc;
}

int store_desk_alerts(struct store *s, const struct desk_filter *f, size_t limit, size_t scan_max,
		      char cursor[STORE_DESK_CURSOR_MAX], store_item_fn fn, void *ctx)
{
	struct desk_read d = { .s = s, .f = f };
	struct walk w = { .d = &d, .limit = limit, .scan_max = scan_max, .fn = fn, .ctx = ctx };
	int64_t rx;
	long long skip;
	bool done = false;
	int rc;

	if (limit == 0 || scan_max == 0 || parse_cursor(cursor, &rx, &skip))
		return -EINVAL;
	d.subs = calloc(SUBS_MAX, sizeof(*d.subs));
	if (!d.subs)
		return -ENOMEM;
	rc = plan(&d);
	if (rc)
		goto out;
	w.cur_rx = rx;
	w.same = skip;
	while (!w.stopped && !done) {
		size_t want = limit - w.given, m, n = 0, valid;
		bool all_exhausted = true;

		if (want > ROUND_MAX)
			want = ROUND_MAX;
		m = want + (size_t)w.same;
		rc = fetch_round(&d, w.cur_rx, m);
		if (rc)
			goto out;
		for (size_t i = 0; i < d.n_subs; i++)
			n += d.subs[i].rep->elements / 2;
		free(w.items);
		w.items = calloc(n + 1, sizeof(*w.items));
		if (!w.items) {
			rc = -ENOMEM;
			goto out;
		}
		w.n = 0;
		for (size_t i = 0; i < d.n_subs; i++) {
			const redisReply *r = d.subs[i].rep;

			all_exhausted &= d.subs[i].exhausted;
			for (size_t j = 0; j + 1 < r->elements; j += 2)
				w.items[w.n++] = (struct merged){
					.rx = strtoll(r->element[j + 1]->str, NULL, 10),
					.sub = i,
					.pos = j,
				};
		}
		qsort(w.items, w.n, sizeof(*w.items), compare_merged);
		/* the items of the cursor's millisecond already read come first: skip them */
		w.at = 0;
		while (w.at < w.n && w.at < (size_t)w.same && w.items[w.at].rx == w.cur_rx)
			w.at++;
		if (w.at < (size_t)w.same && w.cur_rx != INT64_MAX && w.at == w.n) {
			done = true; /* fewer items at that millisecond than the cursor read */
			break;
		}
		/* the merge is exact up to m items, or everywhere once every list is exhausted */
		valid = all_exhausted ? w.n : (m < w.n ? m : w.n);
		w.end = valid;
		while (!w.stopped && w.at < w.end) {
			size_t chunk = w.end - w.at;

			if (chunk > limit - w.given)
				chunk = limit - w.given;
			if (chunk > 200)
				chunk = 200;
			rc = walk_chunk(&w, chunk);
			if (rc)
				goto out;
		}
		if (all_exhausted && w.at >= w.n)
			done = true;
	}
	if (done)
		cursor[0] = '\0';
	else
		snprintf(cursor, STORE_DESK_CURSOR_MAX, "%" PRId64 ".%lld", w.cur_rx, w.same);
	rc = (int)w.given;
out:
	for (size_t i = 0; i < d.n_subs; i++)
		freeReplyObject(d.subs[i].rep);
	free(d.subs);
	free(w.items);
	return rc;
}

int store_desk_gaps(struct store *s, const char *site, size_t limit, store_gap_fn fn, void *ctx)
{
	char key[RAQIB_KEY_MAX], count[24];
	const char *argv[] = { "XREVRANGE", key, "+", "-", "COUNT", count };
	struct stream_field fields[16];
	redisReply *r;
	int n = 0;

	if (raqib_key_site(site, key, sizeof(key)) || strlen(key) + 5 > sizeof(key))
		return -EINVAL;
	strcat(key, "gaps"); /* NOLINT: room checked above */
	snprintf(count, sizeof(count), "%zu", limit);
	r = raqib_redis_command(store_redis(s), key, 6, argv, NULL);
	if (!r || r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		return -EIO;
	}
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i], *kv;
		size_t nf = 0;

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		kv = e->element[1];
		for (size_t j = 0; kv->type == REDIS_REPLY_ARRAY && j + 1 < kv->elements &&
				   nf < sizeof(fields) / sizeof(fields[0]);
		     j += 2)
			fields[nf++] = (struct stream_field){ kv->element[j]->str,
							      kv->element[j]->len,
							      kv->element[j + 1]->str,
							      kv->element[j + 1]->len };
		if (fn(ctx, site, e->element[0]->str, fields, nf) < 0)
			break;
		n++;
	}
	freeReplyObject(r);
	return n;
}
