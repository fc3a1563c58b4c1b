/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading what the collector stored (docs/storage.md), for raqibctl, the find API and the
 * desk: alerts, timelines with their coverage gaps, incidents, provenance, the value index,
 * agents, dead letters; and the few writes people make (an incident's state, assignee and
 * notes; replaying dead letters), each written to the audit stream.
 *
 * Lists are newest first and paged with an opaque cursor: pass "" for the first page; on
 * return *cursor holds the next page's ("" once nothing is left). Every item is handed to a
 * callback, borrowed for the duration of the call.
 *
 * An alert is named by its reference "<site>:<agent>:<epoch>:<seq>".
 */
#ifndef RAQIB_COLLECTOR_STORE_QUERY_H
#define RAQIB_COLLECTOR_STORE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "store.h"

#define STORE_CURSOR_MAX 48

/* One item of a list: an alert, or a coverage gap on a timeline. */
struct store_item {
	int64_t rx_ms; /* the collector's receive time */
	const char *ref; /* the alert's reference, or NULL for a gap */
	const char *json; /* the alert document; NULL for a gap, or an alert retention removed */
	size_t json_len;
	const char *gap_kind; /* "sequence", "silent", "degraded", "refused", "epoch" */
	const char *gap_agent;
	const char *gap_detail;
};
typedef int (*store_item_fn)(void *ctx, const struct store_item *item);

/* Which list of alerts (timelines are lists of alerts and gaps). */
enum store_list {
	STORE_LIST_SITE, /* every alert of a site */
	STORE_LIST_HOST, /* a host's (agent's) timeline */
	STORE_LIST_USER, /* a user's ("<agent>/<uid>") timeline */
	STORE_LIST_APP, /* an app's timeline */
	STORE_LIST_INCIDENT, /* an incident's alerts, and its host's gaps in its span */
	STORE_LIST_DOCUMENT, /* a document's provenance, every site */
	STORE_LIST_VALUE, /* a value's alerts (stored hash), every site */
};

struct store_filter {
	enum store_list list;
	const char *site; /* SITE, HOST, USER, APP */
	const char *name; /* host, user, app, incident id, document SHA-256, stored value hash */
	int64_t from_ms, to_ms; /* receive time range; 0: open */
	int min_severity; /* 0: any (applied to the documents read) */
	bool gaps; /* timelines: include the coverage gaps */
};

/*
 * Calls fn for up to limit items of the list, newest first, from *cursor on. Returns the items
 * given, or -EIO (Redis), -EINVAL (a bad filter or cursor).
 */
int store_query_list(struct store *store, const struct store_filter *filter, size_t limit,
		     char cursor[STORE_CURSOR_MAX], store_item_fn fn, void *ctx);

/*
 * The newest alerts of every site merged (sites from raqib:sites and the registry), at most
 * limit. Returns the count or -EIO.
 */
int store_query_recent(struct store *store, size_t limit, store_item_fn fn, void *ctx);

/* The alerts of a value (its stored hash) on every shard: fn's ctx gets (ref, rx, json). */
typedef int (*store_alert_fn)(void *ctx, const char *ref, int64_t rx_ms, const char *json,
			      size_t len);
long long store_query_value(struct store *store, const char *stored_hash, size_t limit,
			    store_alert_fn fn, void *ctx);

/* One stored alert by its reference: fn gets it (json NULL when it is gone). 0, -EINVAL, -EIO. */
int store_query_alert(struct store *store, const char *ref, store_item_fn fn, void *ctx);

/* An incident: its id and fields (kind, state, severity, first, last, count, hosts...). */
typedef int (*store_incident_fn)(void *ctx, const char *id, const struct stream_field *fields,
				 size_t n);

/* Incidents by last change, newest first (raqib:incidents), paged. Count or -EIO. */
int store_query_incidents(struct store *store, size_t limit, char cursor[STORE_CURSOR_MAX],
			  store_incident_fn fn, void *ctx);

/* One incident's fields. 0, -ENOENT, -EINVAL (bad id) or -EIO. */
int store_query_incident(struct store *store, const char *id, store_incident_fn fn, void *ctx);

/* An incident's notes, oldest first: fn(ctx, text). Count or -EIO. */
typedef int (*store_note_fn)(void *ctx, const char *note);
int store_query_notes(struct store *store, const char *id, store_note_fn fn, void *ctx);

/*
 * Changes an incident: state (new, triage, confirmed, false_positive, closed; NULL: kept),
 * assignee (NULL: kept), a note appended (NULL: none), by who; written to raqib:audit.
 * 0, -ENOENT, -EINVAL (bad state or id) or -EIO.
 */
int store_incident_update(struct store *store, const char *id, const char *state,
			  const char *assignee, const char *note, const char *who, int64_t now_ms);

/* Every agent of every site: its heartbeat hash and its sequence state (current epoch). */
typedef int (*store_agent_fn)(void *ctx, const char *site, const char *agent_id,
			      const struct stream_field *hb, size_t n_hb,
			      const struct stream_field *seq, size_t n_seq);
int store_query_agents(struct store *store, store_agent_fn fn, void *ctx);

/* store_query_agents() without the site, for raqibctl rules counts (ctl_rules.c). */
typedef int (*store_agent_id_fn)(void *ctx, const char *agent_id, const struct stream_field *hb,
				 size_t n_hb, const struct stream_field *seq, size_t n_seq);
int store_list_agents(struct store *store, store_agent_id_fn fn, void *ctx);

/* Dead letters of every site, newest first, at most limit: fn(ctx, site, id, fields). */
typedef int (*store_dead_fn)(void *ctx, const char *site, const char *id,
			     const struct stream_field *fields, size_t n);
int store_query_dead(struct store *store, size_t limit, store_dead_fn fn, void *ctx);

/*
 * Replays dead letters (of one reason code, or all with NULL): each is added again to the
 * stream it came from, with its own fields, and removed from the dead letters. Entries kept
 * without their fields (oversized) cannot be replayed and stay. Returns how many, or -EIO.
 */
long long store_dead_replay(struct store *store, const char *code, const char *who, int64_t now_ms);

/* Calls fn for every site (raqib:sites and the registry), in order. Count or -EIO. */
typedef int (*store_site_fn)(void *ctx, const char *site);
int store_query_sites(struct store *store, store_site_fn fn, void *ctx);

/*
 * The sorted set a filter reads (into key), and the site its members are local refs of (into
 * site; "" when they are global refs). For readers that merge several lists (the desk). 0 or
 * -EINVAL.
 */
int store_query_list_key(const struct store_filter *filter, char *key, size_t len, char *site,
			 size_t site_len);

#endif /* RAQIB_COLLECTOR_STORE_QUERY_H */
