// SPDX-License-Identifier: GPL-2.0-only
/* The desk's API routes (see desk_api.h; docs/api.yaml). */
#include "desk_api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "agent_view.h"
#include "audit_log.h"
#include "case_report.h"
#include "collector.h"
#include "desk_auth.h"
#include "desk_params.h"
#include "desk_ui.h"
#include "find_api.h"
#include "keystore.h"
#include "raqib/log.h"
#include "raqib/redis_cluster.h"
#include "raqib/rules.h"
#include "store.h"
#include "store_desk.h"
#include "store_query.h"

#define SCAN_MAX      5000 /* items a filtered page reads at most */
#define GAPS_PER_SITE 50
#define JSON_TYPE     "application/json; charset=utf-8"

struct desk_route;

struct desk {
	struct desk_route *routes; /* a copy of api_routes, pointing back at this desk */
	size_t n_routes;
	struct collector *c;
	struct desk_auth *auth;
	struct find_api *find; /* NULL: no deployment key (yet), no value search */
	int64_t find_tried_ms; /* the last try at making find, while there is none */
	struct store *store; /* this thread's own connection */
	int64_t started_ms;
	char builtin_hash[80];
	struct rules_summary builtin;
};

/* One route: its right, its arguments, its handler. */
typedef int (*desk_handler_fn)(struct desk *d, const struct desk_route *r,
			       const struct http_request *req, const struct desk_user *u,
			       struct desk_param *p, struct http_response *resp);

struct desk_route {
	const char *method;
	const char *path;
	enum desk_right right;
	const struct desk_param_spec *spec;
	size_t n_spec;
	desk_handler_fn fn;
	struct desk *d; /* set by desk_routes() */
};

static int reply_json(struct http_response *resp, int status, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	json_decref(doc);
	if (!text)
		return -ENOMEM;
	resp->status = status;
	resp->content_type = JSON_TYPE;
	resp->body = text;
	resp->body_len = strlen(text);
	return 0;
}

static int reply_error(struct http_response *resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reply_error(struct http_response *resp, int status, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return reply_json(resp, status, json_pack("{s:s}", "error", text));
}

static struct store *connection(struct desk *d)
{
	char err[256];

	if (!d->store) {
		d->store = store_connect(&d->c->redis, 3000, err, sizeof(err));
		if (!d->store)
			log_warn("desk", "%s", err);
	}
	return d->store;
}

/* After a Redis failure: the next request connects again. */
static int reply_store_error(struct desk *d, struct http_response *resp, int rc)
{
	if (rc == -EINVAL)
		return reply_error(resp, 400, "the cursor or the filter is not valid");
	if (rc == -ENOENT)
		return reply_error(resp, 404, "not found");
	if (rc == -ENOMEM)
		return -ENOMEM;
	store_free(d->store);
	d->store = NULL;
	return reply_error(resp, 503, "redis did not answer: nothing is shown rather than a part");
}

static const char *right_name(enum desk_right right)
{
	switch (right) {
	case DESK_READ:
		return "read";
	case DESK_CHANGE_INCIDENT:
		return "change incidents";
	case DESK_SEARCH_VALUE:
		return "search by value";
	case DESK_EXPORT:
		return "export cases";
	case DESK_READ_AUDIT:
		return "read the audit log";
	case DESK_READ_INCIDENT_AUDIT:
		return "read an incident's audit trail";
	}
	return "?";
}

static void now_text(struct desk *d, char *out, size_t len)
{
	snprintf(out, len, "%" PRId64, collector_now_ms(d->c));
}

/* A desk audit entry: action, who, role, peer, incident, ts. */
static int audit(struct desk *d, const char *action, const struct desk_user *u, const char *peer,
		 const char *incident)
{
	char ts[24];
	const struct audit_field fields[] = {
		{ "action", action }, { "who", u->name },	{ "role", desk_role_name(u->role) },
		{ "peer", peer },     { "incident", incident }, { "via", "desk" },
		{ "ts", ts },
	};

	now_text(d, ts, sizeof(ts));
	return audit_append(store_redis(d->store), fields, sizeof(fields) / sizeof(fields[0]));
}

/* An item of a list as JSON: an alert (ref, time, document) or a coverage gap. */
static json_t *item_json(const struct store_item *it)
{
	json_t *o;

	if (!it->ref)
		return json_pack("{s:I, s:{s:s, s:s, s:s}}", "rx_ms", (json_int_t)it->rx_ms, "gap",
				 "kind", it->gap_kind, "agent", it->gap_agent, "detail",
				 it->gap_detail);
	o = json_pack("{s:s, s:I}", "ref", it->ref, "rx_ms", (json_int_t)it->rx_ms);
	if (o && it->json) {
		json_t *doc = json_loadb(it->json, it->json_len, 0, NULL);

		if (doc)
			json_object_set_new(o, "alert", doc);
	}
	return o;
}

static int add_item(void *ctx, const struct store_item *it)
{
	return json_array_append_new(ctx, item_json(it)) ? -ENOMEM : 0;
}

static json_t *cursor_json(const char *cursor)
{
	return cursor[0] ? json_string(cursor) : json_null();
}

/* Lists of alerts and timelines: the filter from the arguments, then a page. */
static int list_page(struct desk *d, const struct desk_filter *f, size_t limit,
		     const char *cursor_in, struct http_response *resp, json_t *extra)
{
	char cursor[STORE_DESK_CURSOR_MAX] = "";
	json_t *items = json_array(), *out;
	int n;

	if (!items) {
		json_decref(extra);
		return -ENOMEM;
	}
	if (cursor_in && snprintf(cursor, sizeof(cursor), "%s", cursor_in) >= (int)sizeof(cursor)) {
		json_decref(items);
		json_decref(extra);
		return reply_error(resp, 400, "argument 'cursor': expected a cursor the API gave");
	}
	n = store_desk_alerts(d->store, f, limit, SCAN_MAX, cursor, add_item, items);
	if (n < 0) {
		json_decref(items);
		json_decref(extra);
		if (n == -ENOENT)
			return reply_error(resp, 404, "no site knows this host or user");
		return reply_store_error(d, resp, n);
	}
	out = extra ? extra : json_object();
	json_object_set_new(out, "items", items);
	json_object_set_new(out, "cursor", cursor_json(cursor));
	return reply_json(resp, 200, out);
}

enum {
	A_FROM,
	A_TO,
	A_SITE,
	A_HOST,
	A_USER,
	A_APP,
	A_RULE,
	A_SEVERITY,
	A_DOCUMENT,
	A_VALUE,
	A_LIMIT,
	A_CURSOR
};
static const struct desk_param_spec alerts_spec[] = {
	[A_FROM] = { "from", DESK_P_TIME },
	[A_TO] = { "to", DESK_P_TIME },
	[A_SITE] = { "site", DESK_P_SITE },
	[A_HOST] = { "host", DESK_P_AGENT },
	[A_USER] = { "user", DESK_P_USER },
	[A_APP] = { "app", DESK_P_NAME },
	[A_RULE] = { "rule", DESK_P_RULE },
	[A_SEVERITY] = { "severity", DESK_P_SEVERITY },
	[A_DOCUMENT] = { "document", DESK_P_SHA256 },
	[A_VALUE] = { "value", DESK_P_SHA256 },
	[A_LIMIT] = { "limit", DESK_P_LIMIT },
	[A_CURSOR] = { "cursor", DESK_P_CURSOR },
};

static int check_range(const struct desk_param *from, const struct desk_param *to,
		       struct http_response *resp)
{
	if (from->set && to->set && from->num > to->num)
		return reply_error(resp, 400, "'from' is after 'to'") ? -ENOMEM : 1;
	return 0;
}

static int h_alerts(struct desk *d, const struct desk_route *r, const struct http_request *req,
		    const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	struct desk_filter f = {
		.from_ms = p[A_FROM].num,
		.to_ms = p[A_TO].num,
		.site = p[A_SITE].text,
		.host = p[A_HOST].text,
		.user = p[A_USER].text,
		.app = p[A_APP].text,
		.rule = p[A_RULE].text,
		.min_severity = (int)p[A_SEVERITY].num,
		.document = p[A_DOCUMENT].text,
		.value = p[A_VALUE].text,
	};
	int rc = check_range(&p[A_FROM], &p[A_TO], resp);

	(void)r;
	(void)req;
	(void)u;
	if (rc)
		return rc < 0 ? rc : 0;
	return list_page(d, &f, p[A_LIMIT].set ? (size_t)p[A_LIMIT].num : 50, p[A_CURSOR].text,
			 resp, NULL);
}

enum {
	T_KIND,
	T_ID,
	T_SITE,
	T_FROM,
	T_TO,
	T_LIMIT,
	T_CURSOR
};
static const struct desk_param_spec timeline_spec[] = {
	[T_KIND] = { "kind", DESK_P_TIMELINE },	  [T_ID] = { "id", DESK_P_KEY },
	[T_SITE] = { "site", DESK_P_SITE },	  [T_FROM] = { "from", DESK_P_TIME },
	[T_TO] = { "to", DESK_P_TIME },		  [T_LIMIT] = { "limit", DESK_P_LIMIT },
	[T_CURSOR] = { "cursor", DESK_P_CURSOR },
};

static int h_timeline(struct desk *d, const struct desk_route *r, const struct http_request *req,
		      const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	struct desk_filter f = {
		.from_ms = p[T_FROM].num, .to_ms = p[T_TO].num, .site = p[T_SITE].text, .gaps = true
	};
	const char *kind = p[T_KIND].text, *id = p[T_ID].text;
	int64_t dummy;
	int rc = check_range(&p[T_FROM], &p[T_TO], resp);

	(void)r;
	(void)req;
	if (rc)
		return rc < 0 ? rc : 0;
	if (!kind || !id)
		return reply_error(resp, 400, "'kind' and 'id' are needed");
	if (strcmp(kind, "incident") == 0) {
		if (!desk_param_check(DESK_P_INCIDENT, id, &dummy))
			return reply_error(resp, 400, "argument 'id': expected an incident id");
		f.incident = id;
		f.site = NULL;
		rc = audit(d, "read", u, req->peer, id);
		if (rc)
			return reply_store_error(d, resp, -EIO);
	} else if (strcmp(kind, "host") == 0) {
		if (!desk_param_check(DESK_P_AGENT, id, &dummy))
			return reply_error(resp, 400, "argument 'id': expected a host's agent id");
		f.host = id;
	} else if (strcmp(kind, "user") == 0) {
		if (!desk_param_check(DESK_P_USER, id, &dummy))
			return reply_error(resp, 400,
					   "argument 'id': expected a user as AGENT-ID/UID");
		f.user = id;
	} else if (strcmp(kind, "app") == 0) {
		if (!desk_param_check(DESK_P_NAME, id, &dummy))
			return reply_error(resp, 400, "argument 'id': expected an app's name");
		f.app = id;
	} else {
		if (!desk_param_check(DESK_P_SHA256, id, &dummy))
			return reply_error(resp, 400,
					   "argument 'id': expected a document's SHA-256");
		f.document = id;
		f.site = NULL;
	}
	return list_page(d, &f, p[T_LIMIT].set ? (size_t)p[T_LIMIT].num : 100, p[T_CURSOR].text,
			 resp, NULL);
}

/* An incident's hash fields as JSON, numbers as numbers. */
static json_t *incident_json(const char *id, const struct stream_field *f, size_t n)
{
	static const char *const numbers[] = { "severity", "first", "last",
					       "count",	   "hosts", "changed" };
	json_t *o = json_pack("{s:s}", "id", id);

	for (size_t i = 0; o && i < n; i++) {
		char key[64], value[512];
		bool number = false;

		snprintf(key, sizeof(key), "%.*s", (int)f[i].name_len, f[i].name);
		snprintf(value, sizeof(value), "%.*s", (int)f[i].value_len, f[i].value);
		for (size_t k = 0; k < sizeof(numbers) / sizeof(numbers[0]); k++)
			number |= strcmp(key, numbers[k]) == 0;
		json_object_set_new(o, key,
				    number ? json_integer(strtoll(value, NULL, 10)) :
					     json_string(value));
	}
	return o;
}

enum {
	I_STATE,
	I_KIND,
	I_SEVERITY,
	I_ASSIGNEE,
	I_SITE,
	I_LIMIT,
	I_CURSOR
};
static const struct desk_param_spec incidents_spec[] = {
	[I_STATE] = { "state", DESK_P_STATE },
	[I_KIND] = { "kind", DESK_P_NAME },
	[I_SEVERITY] = { "severity", DESK_P_SEVERITY },
	[I_ASSIGNEE] = { "assignee", DESK_P_NAME },
	[I_SITE] = { "site", DESK_P_SITE },
	[I_LIMIT] = { "limit", DESK_P_LIMIT },
	[I_CURSOR] = { "cursor", DESK_P_CURSOR },
};

struct incidents_ctx {
	json_t *items;
	struct desk_param *p;
	size_t given, limit;
};

static bool field_is(const struct stream_field *f, size_t n, const char *name, const char *want)
{
	const struct stream_field *x = ingest_find_field(f, n, name);

	return x && x->value_len == strlen(want) && memcmp(x->value, want, x->value_len) == 0;
}

static int add_incident(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	struct incidents_ctx *c = ctx;
	const struct stream_field *sev = ingest_find_field(f, n, "severity");
	struct desk_param *p = c->p;

	if (c->given == c->limit)
		return 0;
	if ((p[I_STATE].set && !field_is(f, n, "state", p[I_STATE].text)) ||
	    (p[I_KIND].set && !field_is(f, n, "kind", p[I_KIND].text)) ||
	    (p[I_ASSIGNEE].set && !field_is(f, n, "assignee", p[I_ASSIGNEE].text)) ||
	    (p[I_SEVERITY].set && (!sev || strtoll(sev->value, NULL, 10) < p[I_SEVERITY].num)))
		return 0;
	if (p[I_SITE].set && (strncmp(id, "s:", 2) != 0 ||
			      strncmp(id + 2, p[I_SITE].text, strlen(p[I_SITE].text)) != 0 ||
			      id[2 + strlen(p[I_SITE].text)] != ':'))
		return 0;
	c->given++;
	return json_array_append_new(c->items, incident_json(id, f, n)) ? -ENOMEM : 0;
}

static int h_incidents(struct desk *d, const struct desk_route *r, const struct http_request *req,
		       const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	struct incidents_ctx c = { .items = json_array(), .p = p };
	char cursor[STORE_CURSOR_MAX] = "";
	size_t scanned = 0;
	int n = 0;

	(void)r;
	(void)req;
	(void)u;
	c.limit = p[I_LIMIT].set ? (size_t)p[I_LIMIT].num : 50;
	if (!c.items)
		return -ENOMEM;
	if (p[I_CURSOR].text &&
	    snprintf(cursor, sizeof(cursor), "%s", p[I_CURSOR].text) >= (int)sizeof(cursor)) {
		json_decref(c.items);
		return reply_error(resp, 400, "argument 'cursor': expected a cursor the API gave");
	}
	/* filters are checked on each incident: read pages until the page is full */
	do {
		size_t page = c.limit - c.given;

		n = store_query_incidents(d->store, page, cursor, add_incident, &c);
		scanned += page;
	} while (n >= 0 && cursor[0] && c.given < c.limit && scanned < SCAN_MAX);
	if (n < 0) {
		json_decref(c.items);
		return reply_store_error(d, resp, n);
	}
	return reply_json(resp, 200,
			  json_pack("{s:o, s:o}", "items", c.items, "cursor", cursor_json(cursor)));
}

/* "<ms> <who>: <text>" into {ts, who, text}. */
static int add_note(void *ctx, const char *note)
{
	const char *space = strchr(note, ' '), *colon = space ? strstr(space, ": ") : NULL;
	json_t *o;

	if (!space || !colon)
		o = json_pack("{s:s}", "text", note);
	else
		o = json_pack("{s:I, s:s%, s:s}", "ts", (json_int_t)strtoll(note, NULL, 10), "who",
			      space + 1, (size_t)(colon - space - 1), "text", colon + 2);
	return json_array_append_new(ctx, o) ? -ENOMEM : 0;
}

static int keep_incident(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	json_t **out = ctx;

	*out = incident_json(id, f, n);
	return *out ? 0 : -ENOMEM;
}

enum {
	G_ID,
	G_LIMIT,
	G_CURSOR
};
static const struct desk_param_spec incident_spec[] = {
	[G_ID] = { "id", DESK_P_INCIDENT },
	[G_LIMIT] = { "limit", DESK_P_LIMIT },
	[G_CURSOR] = { "cursor", DESK_P_CURSOR },
};

/* The incident, its notes and the first page of its timeline (gaps included). */
static int incident_answer(struct desk *d, const char *id, size_t limit, const char *cursor,
			   struct http_response *resp)
{
	struct desk_filter f = { .incident = id, .gaps = true };
	json_t *inc = NULL, *notes;
	int rc = store_query_incident(d->store, id, keep_incident, &inc);

	if (rc == -ENOENT || rc == -EINVAL)
		return reply_error(resp, 404, "no incident with this id");
	if (rc)
		return reply_store_error(d, resp, rc);
	notes = json_array();
	rc = notes ? store_query_notes(d->store, id, add_note, notes) : -ENOMEM;
	if (rc < 0) {
		json_decref(inc);
		json_decref(notes);
		return reply_store_error(d, resp, rc);
	}
	return list_page(d, &f, limit, cursor, resp,
			 json_pack("{s:o, s:o}", "incident", inc, "notes", notes));
}

static int h_incident(struct desk *d, const struct desk_route *r, const struct http_request *req,
		      const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	(void)r;
	if (!p[G_ID].set)
		return reply_error(resp, 400, "'id' is needed");
	/* the read is audited before anything is shown: no audit, no answer */
	if (audit(d, "read", u, req->peer, p[G_ID].text))
		return reply_store_error(d, resp, -EIO);
	return incident_answer(d, p[G_ID].text, p[G_LIMIT].set ? (size_t)p[G_LIMIT].num : 200,
			       p[G_CURSOR].text, resp);
}

static int h_incident_change(struct desk *d, const struct desk_route *r,
			     const struct http_request *req, const struct desk_user *u,
			     struct desk_param *p, struct http_response *resp)
{
	struct desk_incident_change ch;
	char reason[DESK_REASON_MAX];
	int rc;

	(void)r;
	if (!p[G_ID].set)
		return reply_error(resp, 400, "'id' is needed");
	if (desk_params_incident_change(req->body, req->body_len, &ch, reason, sizeof(reason)))
		return reply_error(resp, 400, "%s", reason);
	rc = store_incident_update(d->store, p[G_ID].text, ch.state[0] ? ch.state : NULL,
				   ch.has_assignee ? ch.assignee : NULL,
				   ch.note[0] ? ch.note : NULL, u->name, collector_now_ms(d->c));
	explicit_bzero(&ch, sizeof(ch));
	if (rc == -ENOENT || rc == -EINVAL)
		return reply_error(resp, 404, "no incident with this id");
	if (rc)
		return reply_store_error(d, resp, rc);
	return incident_answer(d, p[G_ID].text, 200, NULL, resp);
}

enum {
	P_DOCUMENT,
	P_FINGERPRINT,
	P_LIMIT,
	P_CURSOR
};
static const struct desk_param_spec provenance_spec[] = {
	[P_DOCUMENT] = { "document", DESK_P_SHA256 },
	[P_FINGERPRINT] = { "fingerprint", DESK_P_RULE },
	[P_LIMIT] = { "limit", DESK_P_LIMIT },
	[P_CURSOR] = { "cursor", DESK_P_CURSOR },
};

#define REGISTERED_MAX 8

static const char *fingerprint_of(json_t *item)
{
	json_t *raqib = json_object_get(json_object_get(item, "alert"), "raqib");

	return json_string_value(
		json_object_get(json_object_get(raqib, "document"), "fingerprint"));
}

/* The sightings of one registered document, but those of the page already given (seen). */
static int other_versions(struct desk *d, const char *fp, size_t limit, json_t *seen, json_t *list)
{
	char key[65], cursor[STORE_DESK_CURSOR_MAX] = "";
	struct desk_filter f = { .document = key };
	json_t *found = json_array(), *mine = json_array(), *x;
	size_t j;
	int n = -ENOMEM;

	if (store_fingerprint_key(fp, key) || !found || !mine) {
		n = found && mine ? 0 : -ENOMEM;
		goto out;
	}
	n = store_desk_alerts(d->store, &f, limit, SCAN_MAX, cursor, add_item, found);
	json_array_foreach(found, j, x)
		if (!json_object_get(seen, json_string_value(json_object_get(x, "ref")) ?: ""))
			json_array_append(mine, x);
	if (n >= 0)
		n = json_array_append_new(list, json_pack("{s:s, s:O}", "fingerprint", fp, "items",
							  mine)) ?
			    -ENOMEM :
			    0;
out:
	json_decref(found);
	json_decref(mine);
	return n < 0 ? n : 0;
}

/*
 * The registered documents (fingerprint rules) the alerts of a page recognised, each with its
 * other sightings (edited copies found similar): [{fingerprint, items}].
 */
static int registered_versions(struct desk *d, json_t *items, size_t limit, json_t **out)
{
	json_t *seen = json_object(), *list = json_array(), *it;
	size_t i;
	int rc = seen && list ? 0 : -ENOMEM;

	*out = NULL;
	json_array_foreach(items, i, it)
		if (!rc)
			json_object_set_new(seen,
					    json_string_value(json_object_get(it, "ref")) ?: "",
					    json_true());
	json_array_foreach(items, i, it) {
		const char *fp = fingerprint_of(it);
		bool dup = false;
		json_t *x;
		size_t j;

		if (rc || !fp || json_array_size(list) == REGISTERED_MAX)
			continue;
		json_array_foreach(list, j, x)
			dup = dup ||
			      strcmp(json_string_value(json_object_get(x, "fingerprint")), fp) == 0;
		if (!dup)
			rc = other_versions(d, fp, limit, seen, list);
	}
	if (!rc) {
		*out = list;
		list = NULL;
	}
	json_decref(seen);
	json_decref(list);
	return rc;
}

static int h_provenance(struct desk *d, const struct desk_route *r, const struct http_request *req,
			const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	char key[65], cursor[STORE_DESK_CURSOR_MAX] = "";
	struct desk_filter f = { .document = p[P_DOCUMENT].text };
	size_t limit = p[P_LIMIT].set ? (size_t)p[P_LIMIT].num : 500;
	json_t *items, *registered = NULL, *out;
	int n;

	(void)r;
	(void)req;
	(void)u;
	if (p[P_DOCUMENT].set == p[P_FINGERPRINT].set)
		return reply_error(
			resp, 400,
			"one of 'document' (a SHA-256) or 'fingerprint' (a rule id) is needed");
	if (p[P_FINGERPRINT].set) {
		if (store_fingerprint_key(p[P_FINGERPRINT].text, key))
			return reply_error(resp, 400, "argument 'fingerprint': expected a rule id");
		f.document = key;
	}
	if (p[P_CURSOR].text)
		snprintf(cursor, sizeof(cursor), "%s", p[P_CURSOR].text);
	items = json_array();
	if (!items)
		return -ENOMEM;
	n = store_desk_alerts(d->store, &f, limit, SCAN_MAX, cursor, add_item, items);
	/* the first page of a document: its registered documents' other versions too */
	if (n >= 0 && p[P_DOCUMENT].set && !p[P_CURSOR].set)
		n = registered_versions(d, items, limit, &registered);
	if (n < 0) {
		json_decref(items);
		return reply_store_error(d, resp, n);
	}
	out = json_pack("{s:s, s:o, s:o}", p[P_DOCUMENT].set ? "document" : "fingerprint",
			p[P_DOCUMENT].set ? p[P_DOCUMENT].text : p[P_FINGERPRINT].text, "items",
			items, "cursor", cursor_json(cursor));
	if (out && registered)
		json_object_set_new(out, "registered", registered);
	else
		json_decref(registered);
	return reply_json(resp, 200, out);
}

struct agents_ctx {
	json_t *agents;
	json_t *sites;
	int64_t now_ms;
};

static int add_agent(void *ctx, const char *site, const char *id, const struct stream_field *hb,
		     size_t n_hb, const struct stream_field *seq, size_t n_seq)
{
	struct agents_ctx *a = ctx;
	json_t *o = agent_view_json(id, hb, n_hb, seq, n_seq, a->now_ms);

	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "site", json_string(site));
	return json_array_append_new(a->agents, o) ? -ENOMEM : 0;
}

static int add_gap(void *ctx, const char *site, const char *id, const struct stream_field *f,
		   size_t n)
{
	json_t *o = json_pack("{s:s, s:s}", "site", site, "id", id);

	for (size_t i = 0; o && i < n; i++) {
		char key[32];

		snprintf(key, sizeof(key), "%.*s", (int)f[i].name_len, f[i].name);
		if (strcmp(key, "rx") == 0)
			json_object_set_new(o, key, json_integer(strtoll(f[i].value, NULL, 10)));
		else
			json_object_set_new(o, key, json_stringn(f[i].value, f[i].value_len));
	}
	return json_array_append_new(ctx, o) ? -ENOMEM : 0;
}

static int gaps_of_site(void *ctx, const char *site)
{
	struct agents_ctx *a = ctx;
	return json_array_append_new(a->sites, json_string(site)) ? -ENOMEM : 0;
}

static int h_agents(struct desk *d, const struct desk_route *r, const struct http_request *req,
		    const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	struct agents_ctx a = { .agents = json_array(), .sites = json_array() };
	json_t *gaps = json_array(), *site;
	size_t i;
	int rc;

	(void)r;
	(void)req;
	(void)u;
	(void)p;
	a.now_ms = collector_now_ms(d->c);
	if (!a.agents || !a.sites || !gaps) {
		rc = -ENOMEM;
		goto err;
	}
	rc = store_query_agents(d->store, add_agent, &a);
	if (rc >= 0)
		rc = store_query_sites(d->store, gaps_of_site, &a);
	json_array_foreach(a.sites, i, site) {
		if (rc < 0)
			break;
		rc = store_desk_gaps(d->store, json_string_value(site), GAPS_PER_SITE, add_gap,
				     gaps);
	}
	if (rc < 0)
		goto err;
	return reply_json(resp, 200,
			  json_pack("{s:I, s:o, s:o, s:o}", "now", (json_int_t)a.now_ms, "agents",
				    a.agents, "gaps", gaps, "sites", a.sites));
err:
	json_decref(a.agents);
	json_decref(a.sites);
	json_decref(gaps);
	return rc == -ENOMEM ? rc : reply_store_error(d, resp, rc);
}

static int h_rules(struct desk *d, const struct desk_route *r, const struct http_request *req,
		   const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	json_t *rules = json_array(), *packs, *builtin;
	struct collector_metrics *m = &d->c->m;

	(void)r;
	(void)req;
	(void)u;
	(void)p;
	if (!rules)
		return -ENOMEM;
	pthread_mutex_lock(&d->c->lock);
	for (size_t i = 0; i < m->n_rules; i++)
		json_array_append_new(rules,
				      json_pack("{s:s, s:s, s:I}", "id", m->rules[i].rule, "mode",
						m->rules[i].shadow ? "shadow" : "alert", "hits",
						(json_int_t)m->rules[i].count));
	pthread_mutex_unlock(&d->c->lock);
	builtin = json_pack(
		"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "hash", d->builtin_hash,
		"detectors", (json_int_t)d->builtin.detectors, "markers",
		(json_int_t)d->builtin.markers, "apps", (json_int_t)d->builtin.apps, "fingerprints",
		(json_int_t)d->builtin.fingerprints, "policies", (json_int_t)d->builtin.policies,
		"exceptions", (json_int_t)d->builtin.exceptions, "disabled",
		(json_int_t)d->builtin.disabled, "shadow", (json_int_t)d->builtin.shadow);
	packs = json_pack("{s:o}", "builtin", builtin);
	return reply_json(resp, 200,
			  json_pack("{s:I, s:o, s:o}", "since", (json_int_t)d->started_ms, "rules",
				    rules, "packs", packs));
}

enum {
	U_INCIDENT,
	U_LIMIT,
	U_CURSOR,
	U_VERIFY
};
static const struct desk_param_spec audit_spec[] = {
	[U_INCIDENT] = { "incident", DESK_P_INCIDENT },
	[U_LIMIT] = { "limit", DESK_P_LIMIT },
	[U_CURSOR] = { "cursor", DESK_P_CURSOR },
	[U_VERIFY] = { "verify", DESK_P_FLAG },
};

static int add_audit(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	return json_array_append_new(ctx, audit_entry_json(id, f, n)) ? -ENOMEM : 0;
}

static int h_audit(struct desk *d, const struct desk_route *r, const struct http_request *req,
		   const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	char cursor[AUDIT_ID_MAX] = "";
	json_t *items, *out;
	int n;

	(void)r;
	(void)req;
	if (!desk_role_may(u->role, DESK_READ_AUDIT) && !p[U_INCIDENT].set)
		return reply_error(
			resp, 403,
			"your role (%s) may read an incident's audit trail only: give 'incident'",
			desk_role_name(u->role));
	if (p[U_VERIFY].num && !desk_role_may(u->role, DESK_READ_AUDIT))
		return reply_error(resp, 403, "your role (%s) may not verify the audit log",
				   desk_role_name(u->role));
	if (p[U_CURSOR].text &&
	    (snprintf(cursor, sizeof(cursor), "%s", p[U_CURSOR].text) >= (int)sizeof(cursor) ||
	     !audit_id_is_valid(cursor)))
		return reply_error(resp, 400, "argument 'cursor': expected a cursor the API gave");
	items = json_array();
	if (!items)
		return -ENOMEM;
	n = audit_list(store_redis(d->store), p[U_INCIDENT].set ? "incident" : NULL,
		       p[U_INCIDENT].text, p[U_LIMIT].set ? (size_t)p[U_LIMIT].num : 100, 100000,
		       cursor, add_audit, items);
	if (n < 0) {
		json_decref(items);
		return reply_store_error(d, resp, n);
	}
	out = json_pack("{s:o, s:o}", "items", items, "cursor", cursor_json(cursor));
	if (out && p[U_VERIFY].num) {
		struct audit_check check = { 0 };

		if (audit_verify(store_redis(d->store), &check)) {
			json_decref(out);
			return reply_store_error(d, resp, -EIO);
		}
		json_object_set_new(out, "chain",
				    json_pack("{s:b, s:I, s:I, s:s, s:s, s:s, s:s}", "intact",
					      !check.broken, "entries", (json_int_t)check.entries,
					      "unchained", (json_int_t)check.unchained, "head",
					      check.head, "head_id", check.head_id, "bad_id",
					      check.bad_id, "reason", check.reason));
	}
	return reply_json(resp, 200, out);
}

/*
 * The value search, once the deployment key is there: an agent may create it after the
 * collector started (the first agent of a new deployment does). Tried at most once a second
 * (a try without the key fails at once, before the rules are built).
 */
static struct find_api *find_of(struct desk *d)
{
	int64_t now = collector_now_ms(d->c);
	char err[256];

	if (!d->find && now - d->find_tried_ms >= 1000) {
		d->find_tried_ms = now;
		d->find = find_api_new(d->c, err, sizeof(err));
		if (d->find)
			log_info("desk", "searching by value is on: the deployment key is there");
	}
	return d->find;
}

static int h_session(struct desk *d, const struct desk_route *r, const struct http_request *req,
		     const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	static const enum desk_right rights[] = { DESK_READ,	     DESK_CHANGE_INCIDENT,
						  DESK_SEARCH_VALUE, DESK_EXPORT,
						  DESK_READ_AUDIT,   DESK_READ_INCIDENT_AUDIT };
	static const char *const names[] = { "read",   "change_incident", "search_value",
					     "export", "read_audit",	  "read_incident_audit" };
	json_t *may = json_object();

	(void)r;
	(void)req;
	(void)p;
	for (size_t i = 0; may && i < sizeof(rights) / sizeof(rights[0]); i++)
		json_object_set_new(may, names[i], json_boolean(desk_role_may(u->role, rights[i])));
	return reply_json(resp, 200,
			  json_pack("{s:s, s:s, s:o, s:b, s:I}", "name", u->name, "role",
				    desk_role_name(u->role), "may", may, "value_search",
				    find_of(d) != NULL, "now", (json_int_t)collector_now_ms(d->c)));
}

static int h_find(struct desk *d, const struct desk_route *r, const struct http_request *req,
		  const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	(void)r;
	(void)p;
	if (!d->find)
		return reply_error(
			resp, 503,
			"searching by value is off: the collector has no deployment key");
	return find_api_search(d->find, u->name, req, resp);
}

static int exists(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	(void)ctx;
	(void)id;
	(void)f;
	(void)n;
	return 0;
}

enum {
	E_ID,
	E_LANG
};
static const struct desk_param_spec export_spec[] = {
	[E_ID] = { "id", DESK_P_INCIDENT },
	[E_LANG] = { "lang", DESK_P_LANG },
};

static int h_export(struct desk *d, const struct desk_route *r, const struct http_request *req,
		    const struct desk_user *u, struct desk_param *p, struct http_response *resp)
{
	struct case_report_opts o = { .incident = p[E_ID].text,
				      .who = u->name,
				      .lang = p[E_LANG].set ? p[E_LANG].text : "en",
				      .now_ms = collector_now_ms(d->c),
				      .via = "desk" };
	char *html = NULL;
	size_t len = 0;
	int rc;

	(void)r;
	if (!p[E_ID].set)
		return reply_error(resp, 400, "'id' is needed");
	rc = store_query_incident(d->store, o.incident, exists, NULL);
	if (rc == -ENOENT || rc == -EINVAL)
		return reply_error(resp, 404, "no incident with this id");
	/* the export is in its own audit trail: audited first */
	if (audit(d, "export", u, req->peer, o.incident))
		return reply_store_error(d, resp, -EIO);
	rc = case_report_html(d->store, &o, &html, &len);
	if (rc)
		return reply_store_error(d, resp, rc);
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	resp->body = html;
	resp->body_len = len;
	case_report_file_name(o.incident, resp->attachment, sizeof(resp->attachment));
	return 0;
}

static const struct desk_param_spec no_args[1] = { { "", DESK_P_FLAG } };

#define ROUTE(m, path, right, spec, fn)                                        \
	{                                                                      \
		m, path, right, spec, sizeof(spec) / sizeof(spec[0]), fn, NULL \
	}

static const struct desk_route api_routes[] = {
	{ "GET", "/api/session", DESK_READ, no_args, 0, h_session, NULL },
	ROUTE("GET", "/api/alerts", DESK_READ, alerts_spec, h_alerts),
	ROUTE("GET", "/api/incidents", DESK_READ, incidents_spec, h_incidents),
	ROUTE("GET", "/api/incident", DESK_READ, incident_spec, h_incident),
	ROUTE("POST", "/api/incident", DESK_CHANGE_INCIDENT, incident_spec, h_incident_change),
	ROUTE("GET", "/api/timeline", DESK_READ, timeline_spec, h_timeline),
	ROUTE("GET", "/api/provenance", DESK_READ, provenance_spec, h_provenance),
	{ "GET", "/api/agents", DESK_READ, no_args, 0, h_agents, NULL },
	{ "GET", "/api/rules", DESK_READ, no_args, 0, h_rules, NULL },
	ROUTE("GET", "/api/audit", DESK_READ_INCIDENT_AUDIT, audit_spec, h_audit),
	{ "POST", "/api/find", DESK_SEARCH_VALUE, no_args, 0, h_find, NULL },
	ROUTE("GET", "/api/export", DESK_EXPORT, export_spec, h_export),
};

int desk_request_check(const char *method, const char *path, const struct http_request *req,
		       char *reason, size_t reason_len)
{
	struct desk_param p[16];

	for (size_t i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++) {
		const struct desk_route *r = &api_routes[i];

		if (strcmp(r->method, method) != 0 || strcmp(r->path, path) != 0)
			continue;
		if (desk_params_parse(req->args, req->n_args, r->spec, r->n_spec, p, reason,
				      reason_len))
			return -EINVAL;
		if (r->fn == h_incident_change) {
			struct desk_incident_change ch;
			int rc = desk_params_incident_change(req->body, req->body_len, &ch, reason,
							     reason_len);

			explicit_bzero(&ch, sizeof(ch));
			return rc;
		}
		return 0;
	}
	snprintf(reason, reason_len, "no such route");
	return -ENOENT;
}

/* Every API route: the token, the role, the arguments, the connection, then the handler. */
static int api_route(void *ctx, const struct http_request *req, struct http_response *resp)
{
	const struct desk_route *r = ctx;
	struct desk *d = r->d;
	struct desk_param p[16];
	struct desk_user u;
	char reason[DESK_REASON_MAX];
	enum desk_right right = r->right;

	if (!desk_auth_check(d->auth, req->authorization, &u))
		return reply_error(
			resp, 401,
			"a valid token is needed (Authorization: Bearer TOKEN; raqibctl token-add)");
	/* the audit route: administrators read it all, investigators an incident's trail */
	if (right == DESK_READ_INCIDENT_AUDIT && desk_role_may(u.role, DESK_READ_AUDIT))
		right = DESK_READ_AUDIT;
	if (!desk_role_may(u.role, right))
		return reply_error(resp, 403, "your role (%s) may not %s", desk_role_name(u.role),
				   right_name(right));
	if (desk_params_parse(req->args, req->n_args, r->spec, r->n_spec, p, reason,
			      sizeof(reason)))
		return reply_error(resp, 400, "%s", reason);
	if (strcmp(r->path, "/api/session") != 0 && strcmp(r->path, "/api/rules") != 0 &&
	    strcmp(r->path, "/api/find") != 0 && !connection(d))
		return reply_error(resp, 503, "redis is not reachable");
	return r->fn(d, r, req, &u, p, resp);
}

static int ui_route(void *ctx, const struct http_request *req, struct http_response *resp)
{
	const struct desk_ui_file *f = ctx;

	(void)req;
	resp->body = malloc(f->len ? f->len : 1);
	if (!resp->body)
		return -ENOMEM;
	memcpy(resp->body, f->data, f->len);
	resp->body_len = f->len;
	resp->status = 200;
	resp->content_type = f->content_type;
	return 0;
}

struct desk *desk_new(struct collector *c, char *err, size_t err_len)
{
	struct desk *d = calloc(1, sizeof(*d));
	struct rules_error rerr;
	struct rules *builtin;

	if (!d) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	d->c = c;
	d->started_ms = collector_now_ms(c);
	d->n_routes = sizeof(api_routes) / sizeof(api_routes[0]);
	d->routes = calloc(d->n_routes, sizeof(*d->routes));
	if (!d->routes) {
		snprintf(err, err_len, "out of memory");
		goto err_free;
	}
	for (size_t i = 0; i < d->n_routes; i++) {
		d->routes[i] = api_routes[i];
		d->routes[i].d = d;
	}
	d->auth = desk_auth_new(c->cfg.keys_dir);
	if (!d->auth) {
		snprintf(err, err_len, "out of memory");
		goto err_free;
	}
	if (keystore_value_key_id(c->keys)) {
		d->find = find_api_new(c, err, err_len);
		if (!d->find)
			goto err_free;
	}
	builtin = rules_new_builtin(&rerr);
	if (builtin) {
		rules_summarize(builtin, &d->builtin);
		snprintf(d->builtin_hash, sizeof(d->builtin_hash), "%s", rules_hash(builtin));
		rules_free(builtin);
	}
	return d;

err_free:
	desk_free(d);
	return NULL;
}

void desk_free(struct desk *d)
{
	if (!d)
		return;
	find_api_free(d->find);
	desk_auth_free(d->auth);
	free(d->routes);
	store_free(d->store);
	free(d);
}

size_t desk_routes(struct desk *d, struct http_route *routes, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_routes && n < max; i++)
		routes[n++] = (struct http_route){ d->routes[i].method, d->routes[i].path,
						   api_route, &d->routes[i] };
	for (size_t i = 0; i < desk_ui_file_count && n < max; i++)
		routes[n++] = (struct http_route){ "GET", desk_ui_files[i].path, ui_route,
						   (void *)&desk_ui_files[i] };
	return n;
}
