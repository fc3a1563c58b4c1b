/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The desk's reads of the store, beyond store_query.h: alerts and timelines filtered on any
 * combination of time range, site, host, user, app, rule, severity, document and value, merged
 * over every list they need (every site's, when no host or document narrows them), paged by one
 * cursor; the site of an agent; a site's recent coverage gaps.
 *
 * A filter reads the narrowest index it has (a value's, a document's, a user's or a host's
 * timeline, else an app's or every alert of each site), and checks the rest on each document:
 * a page may then read more items than it gives (at most scan_max), and its cursor goes on
 * from where it stopped. Lists are merged by receive time, newest first; items of the same
 * millisecond in a fixed order (list, then position), so that the cursor "<ms>.<n>" (the last
 * item's time, and how many of that millisecond were read) never gives an item twice nor skips
 * one. Only references are read to merge; documents are read for the items walked.
 */
#ifndef RAQIB_COLLECTOR_STORE_DESK_H
#define RAQIB_COLLECTOR_STORE_DESK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_query.h"

#define STORE_DESK_CURSOR_MAX 64

struct desk_filter {
	int64_t from_ms, to_ms; /* receive time; 0: open */
	const char *site; /* NULL: every site */
	const char *host; /* an agent id */
	const char *user; /* "<agent>/<uid>" */
	const char *app;
	const char *rule; /* rule.id */
	const char *document; /* file.hash.sha256 */
	const char *value; /* a stored value hash (raqib.findings[].hash) */
	const char *incident; /* an incident's alerts (and its host's gaps in its span) */
	int min_severity;
	bool gaps; /* timelines: the coverage gaps of the hosts read too */
};

/*
 * Calls fn for up to limit items (alerts, and gaps when asked) matching f, newest first, from
 * *cursor ("" for the newest); reads at most scan_max items. On return *cursor is the next
 * page's, "" when nothing is left. Returns the items given, -EINVAL (bad filter or cursor),
 * -ENOENT (a host or user no site knows) or -EIO.
 */
int store_desk_alerts(struct store *s, const struct desk_filter *f, size_t limit, size_t scan_max,
		      char cursor[STORE_DESK_CURSOR_MAX], store_item_fn fn, void *ctx);

/* The site agent is enrolled in (raqib:registry) into site. 0, -ENOENT or -EIO. */
int store_desk_agent_site(struct store *s, const char *agent, char *site, size_t len);

/* A site's newest coverage gaps (S:gaps), at most limit: fn(ctx, site, fields). Count or -EIO. */
typedef int (*store_gap_fn)(void *ctx, const char *site, const char *id,
			    const struct stream_field *fields, size_t n);
int store_desk_gaps(struct store *s, const char *site, size_t limit, store_gap_fn fn, void *ctx);

#endif /* RAQIB_COLLECTOR_STORE_DESK_H */
