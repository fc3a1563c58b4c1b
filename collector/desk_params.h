/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The desk API's request parsing: a route declares the query arguments it takes and their
 * types; desk_params_parse() checks each argument of a request against that list and says why
 * one is refused (unknown, given twice, malformed, out of range), for a 400 with the reason.
 * Nothing else of a request reaches the store. The parsers are pure functions over the
 * request's text, with no global state, so that the fuzzer (tests/fuzz/fuzz_desk_request.c)
 * calls them as the server does.
 *
 * A reason names the argument, never its value: an argument may be a hash an investigator
 * typed, and reasons end up in logs and on screens.
 */
#ifndef RAQIB_COLLECTOR_DESK_PARAMS_H
#define RAQIB_COLLECTOR_DESK_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_server.h"

#define DESK_LIMIT_MAX	500
#define DESK_CURSOR_MAX 256
#define DESK_NOTE_MAX	1000
#define DESK_REASON_MAX 160

enum desk_param_type {
	DESK_P_TIME, /* RFC 3339 ("2026-12-08T10:00:00Z", "...+01:00", ".123") or epoch ms */
	DESK_P_SITE, /* 1 to 32 letters, digits, '.', '-', '_' */
	DESK_P_AGENT, /* an agent (host) id: 1 to 64 letters, digits, '.', '-', '_' */
	DESK_P_USER, /* "<agent>/<uid>" */
	DESK_P_NAME, /* an app or a person: 1 to 64 printable characters, no '/', ':', '*' */
	DESK_P_RULE, /* a rule id: 1 to 95 letters, digits, '.', '-', '_' */
	DESK_P_SEVERITY, /* low, medium, high, critical, or 1 to 100 */
	DESK_P_SHA256, /* 64 lower-case hex digits (a document or a stored value hash) */
	DESK_P_LIMIT, /* 1 to DESK_LIMIT_MAX */
	DESK_P_CURSOR, /* an opaque cursor the API gave: [0-9a-z.:-], at most DESK_CURSOR_MAX */
	DESK_P_INCIDENT, /* an incident id: s:<site>:<n>, d:<sha256>:<n>, v:<hash>:<n> */
	DESK_P_STATE, /* new, triage, confirmed, false_positive, closed */
	DESK_P_TIMELINE, /* incident, host, user, app, document */
	DESK_P_FLAG, /* 0, 1, true, false, or empty (true) */
	DESK_P_LANG, /* ar, fr, en */
	DESK_P_KEY, /* a name a route checks itself: 1 to 160 bytes of text, no control */
};

struct desk_param_spec {
	const char *name;
	enum desk_param_type type;
};

struct desk_param {
	bool set;
	const char *text; /* borrowed from the request */
	int64_t num; /* TIME: epoch ms; SEVERITY: 1..100; LIMIT; FLAG: 0 or 1 */
};

/*
 * Checks every argument of args against spec (n_spec entries) into out (n_spec entries, same
 * order). Returns 0, or -EINVAL with reason filled ("unknown argument 'x'", "argument 'from'
 * given twice", "argument 'from': expected an RFC 3339 time or epoch milliseconds").
 */
int desk_params_parse(const struct http_arg *args, size_t n_args,
		      const struct desk_param_spec *spec, size_t n_spec, struct desk_param *out,
		      char *reason, size_t reason_len);

/* One value against one type (what desk_params_parse() does per argument). */
bool desk_param_check(enum desk_param_type type, const char *text, int64_t *num);

/* RFC 3339 (or epoch milliseconds) into epoch milliseconds. 0 or -EINVAL. */
int desk_parse_time(const char *text, int64_t *ms);

/* A change of an incident, from a JSON body {"state", "assignee", "note"} (each optional). */
struct desk_incident_change {
	char state[16]; /* "" when not given */
	char assignee[65]; /* "" when not given; "-" to unassign */
	char note[DESK_NOTE_MAX + 1]; /* "" when not given */
	bool has_assignee;
};

/*
 * Parses and checks a change: a JSON object with only those keys, at least one; the state one of
 * the states, the assignee a name (or "" to unassign), the note 1 to DESK_NOTE_MAX bytes of
 * UTF-8 without control characters but newlines and tabs. 0, or -EINVAL with reason.
 */
int desk_params_incident_change(const char *body, size_t len, struct desk_incident_change *out,
				char *reason, size_t reason_len);

/* True for valid UTF-8 of len bytes with no control character (C0 but \n and \t, DEL, C1). */
bool desk_text_is_clean(const char *text, size_t len, bool allow_newlines);

#endif /* RAQIB_COLLECTOR_DESK_PARAMS_H */
