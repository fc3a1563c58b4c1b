// SPDX-License-Identifier: GPL-2.0-only
/* The desk API's request parsing (see desk_params.h). */
#include "desk_params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "raqib/keys.h"
#include "raqib/keyspace.h"
#include "term_text.h"

static const char *const states[] = { "new", "triage", "confirmed", "false_positive", "closed" };
static const char *const timelines[] = { "incident", "host", "user", "app", "document" };
static const char *const langs[] = { "ar", "fr", "en" };

static bool in_list(const char *text, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(text, list[i]) == 0)
			return true;
	return false;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int desk_parse_time(const char *text, int64_t *ms)
{
	size_t len = strlen(text), at = 19;
	struct tm tm = { 0 };
	int64_t frac_ms = 0, offset_s = 0;
	time_t secs;

	if (len > 0 && len <= 14 && all_digits(text, len)) {
		*ms = strtoll(text, NULL, 10);
		return 0;
	}
	/* YYYY-MM-DD, then optionally THH:MM:SS[.f+](Z|+hh:mm|-hh:mm) */
	if (len < 10 || !all_digits(text, 4) || text[4] != '-' || !all_digits(text + 5, 2) ||
	    text[7] != '-' || !all_digits(text + 8, 2))
		return -EINVAL;
	tm.tm_year = digits(text, 4) - 1900;
	tm.tm_mon = digits(text + 5, 2) - 1;
	tm.tm_mday = digits(text + 8, 2);
	if (len == 10) {
		at = 10;
	} else {
		if (len < 20 || text[10] != 'T' || !all_digits(text + 11, 2) || text[13] != ':' ||
		    !all_digits(text + 14, 2) || text[16] != ':' || !all_digits(text + 17, 2))
			return -EINVAL;
		tm.tm_hour = digits(text + 11, 2);
		tm.tm_min = digits(text + 14, 2);
		tm.tm_sec = digits(text + 17, 2);
		if (text[at] == '.') {
			size_t n = strspn(text + at + 1, "0123456789");

			if (n == 0 || n > 9)
				return -EINVAL;
			for (size_t i = 0; i < 3; i++)
				frac_ms = frac_ms * 10 + (i < n ? text[at + 1 + i] - '0' : 0);
			at += 1 + n;
		}
		if (text[at] == 'Z' && text[at + 1] == '\0') {
			at += 1;
		} else if ((text[at] == '+' || text[at] == '-') && strlen(text + at) == 6 &&
			   all_digits(text + at + 1, 2) && text[at + 3] == ':' &&
			   all_digits(text + at + 4, 2)) {
			int h = digits(text + at + 1, 2), m = digits(text + at + 4, 2);

			if (h > 23 || m > 59)
				return -EINVAL;
			offset_s = (h * 3600 + m * 60) * (text[at] == '+' ? 1 : -1);
			at += 6;
		} else {
			return -EINVAL;
		}
	}
	if (text[at] != '\0' || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 ||
	    tm.tm_year < 70 || tm.tm_year > 1100)
		return -EINVAL;
	{
		struct tm check = tm;

		secs = timegm(&check);
		/* 31 February and the like come back as another day */
		if (secs == (time_t)-1 || check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon)
			return -EINVAL;
	}
	*ms = ((int64_t)secs - offset_s) * 1000 + frac_ms;
	return *ms < 0 ? -EINVAL : 0;
}

static bool is_name(const char *s, size_t len)
{
	if (len == 0 || len > 64 || !desk_text_is_clean(s, len, false))
		return false;
	return strpbrk(s, "/:*?[]{}\\\"") == NULL;
}

static bool is_rule(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 96 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static bool is_sha256(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static bool is_incident(const char *s)
{
	const char *colon = strrchr(s, ':');
	size_t n;

	if (!colon || strlen(s) < 5 || s[1] != ':' || !colon[1] ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 18)
		return false;
	n = (size_t)(colon - s - 2);
	switch (s[0]) {
	case 's':
		return raqib_site_is_valid(s + 2, n);
	case 'd':
	case 'v':
		return n == 64 && strspn(s + 2, "0123456789abcdef") >= 64;
	default:
		return false;
	}
}

static bool parse_severity(const char *text, int64_t *num)
{
	static const struct {
		const char *name;
		int value;
	} names[] = { { "low", 21 }, { "medium", 47 }, { "high", 73 }, { "critical", 99 } };
	size_t len = strlen(text);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(text, names[i].name) == 0) {
			*num = names[i].value;
			return true;
		}
	if (len == 0 || len > 3 || !all_digits(text, len))
		return false;
	*num = strtoll(text, NULL, 10);
	return *num >= 1 && *num <= 100;
}

bool desk_param_check(enum desk_param_type type, const char *text, int64_t *num)
{
	size_t len = strlen(text);
	const char *slash;

	*num = 0;
	switch (type) {
	case DESK_P_TIME:
		return desk_parse_time(text, num) == 0;
	case DESK_P_SITE:
		return raqib_site_is_valid(text, len);
	case DESK_P_AGENT:
		return raqib_agent_id_is_valid(text, len);
	case DESK_P_USER:
		slash = strchr(text, '/');
		return slash && raqib_agent_id_is_valid(text, (size_t)(slash - text)) &&
		       strlen(slash + 1) > 0 && strlen(slash + 1) <= 10 &&
		       all_digits(slash + 1, strlen(slash + 1));
	case DESK_P_NAME:
		return is_name(text, len);
	case DESK_P_RULE:
		return is_rule(text);
	case DESK_P_SEVERITY:
		return parse_severity(text, num);
	case DESK_P_SHA256:
		return is_sha256(text);
	case DESK_P_LIMIT:
		if (len == 0 || len > 4 || !all_digits(text, len))
			return false;
		*num = strtoll(text, NULL, 10);
		return *num >= 1 && *num <= DESK_LIMIT_MAX;
	case DESK_P_CURSOR:
		return len > 0 && len <= DESK_CURSOR_MAX &&
		       strspn(text, "0123456789abcdefghijklmnopqrstuvwxyz.:-_") == len;
	case DESK_P_INCIDENT:
		return is_incident(text);
	case DESK_P_STATE:
		return in_list(text, states, sizeof(states) / sizeof(states[0]));
	case DESK_P_TIMELINE:
		return in_list(text, timelines, sizeof(timelines) / sizeof(timelines[0]));
	case DESK_P_FLAG:
		*num = len == 0 || strcmp(text, "1") == 0 || strcmp(text, "true") == 0;
		return *num || strcmp(text, "0") == 0 || strcmp(text, "false") == 0;
	case DESK_P_LANG:
		return in_list(text, langs, sizeof(langs) / sizeof(langs[0]));
	case DESK_P_KEY:
		return len > 0 && len <= 160 && desk_text_is_clean(text, len, false);
	}
	return false;
}

static const char *expected(enum desk_param_type type)
{
	switch (type) {
	case DESK_P_TIME:
		return "an RFC 3339 time (2026-12-08T10:00:00Z) or epoch milliseconds";
	case DESK_P_SITE:
		return "a site name (1 to 32 letters, digits, '.', '-', '_')";
	case DESK_P_AGENT:
		return "a host's agent id (1 to 64 letters, digits, '.', '-', '_')";
	case DESK_P_USER:
		return "a user as AGENT-ID/UID";
	case DESK_P_NAME:
		return "a name of 1 to 64 printable characters";
	case DESK_P_RULE:
		return "a rule id";
	case DESK_P_SEVERITY:
		return "low, medium, high, critical or 1 to 100";
	case DESK_P_SHA256:
		return "64 lower-case hex digits";
	case DESK_P_LIMIT:
		return "1 to 500";
	case DESK_P_CURSOR:
		return "a cursor the API gave";
	case DESK_P_INCIDENT:
		return "an incident id (s:SITE:N, d:SHA256:N or v:HASH:N)";
	case DESK_P_STATE:
		return "new, triage, confirmed, false_positive or closed";
	case DESK_P_TIMELINE:
		return "incident, host, user, app or document";
	case DESK_P_FLAG:
		return "0, 1, true or false";
	case DESK_P_LANG:
		return "ar, fr or en";
	case DESK_P_KEY:
		return "1 to 160 characters";
	}
	return "?";
}

/* An argument's name, made safe to quote in a reason (it comes from the request). */
static void safe_name(const char *name, char *out, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; name[i] && j + 1 < len && i < 32; i++) {
		unsigned char ch = (unsigned char)name[i];

		out[j++] = (ch >= 0x21 && ch < 0x7f && ch != '\'') ? (char)ch : '?';
	}
	out[j] = '\0';
}

int desk_params_parse(const struct http_arg *args, size_t n_args,
		      const struct desk_param_spec *spec, size_t n_spec, struct desk_param *out,
		      char *reason, size_t reason_len)
{
	char name[40];

	for (size_t j = 0; j < n_spec; j++)
		out[j] = (struct desk_param){ 0 };
	for (size_t i = 0; i < n_args; i++) {
		size_t j;

		for (j = 0; j < n_spec; j++)
			if (strcmp(args[i].name, spec[j].name) == 0)
				break;
		if (j == n_spec) {
			safe_name(args[i].name, name, sizeof(name));
			snprintf(reason, reason_len, "unknown argument '%s'", name);
			return -EINVAL;
		}
		if (out[j].set) {
			snprintf(reason, reason_len, "argument '%s' given twice", spec[j].name);
			return -EINVAL;
		}
		if (!desk_param_check(spec[j].type, args[i].value, &out[j].num)) {
			snprintf(reason, reason_len, "argument '%s': expected %s", spec[j].name,
				 expected(spec[j].type));
			return -EINVAL;
		}
		out[j].set = true;
		out[j].text = args[i].value;
	}
	return 0;
}

bool desk_text_is_clean(const char *text, size_t len, bool allow_newlines)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = term_utf8_at(s + i, len - i, &cp);

		if (n == 0 || term_is_unsafe(cp, allow_newlines))
			return false;
		i += n;
	}
	return true;
}

static int copy_string(json_t *v, const char *key, char *out, size_t size, bool newlines,
		       char *reason, size_t reason_len)
{
	size_t len;

	if (!json_is_string(v)) {
		snprintf(reason, reason_len, "'%s' must be a string", key);
		return -EINVAL;
	}
	len = json_string_length(v);
	if (len >= size || !desk_text_is_clean(json_string_value(v), len, newlines) ||
	    memchr(json_string_value(v), '\0', len)) {
		snprintf(reason, reason_len,
			 "'%s' must be at most %zu bytes of UTF-8 without control characters", key,
			 size - 1);
		return -EINVAL;
	}
	memcpy(out, json_string_value(v), len);
	out[len] = '\0';
	return 0;
}

int desk_params_incident_change(const char *body, size_t len, struct desk_incident_change *out,
				char *reason, size_t reason_len)
{
	json_error_t jerr;
	json_t *doc, *v;
	const char *key;
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(doc)) {
		snprintf(reason, reason_len,
			 "the body must be a JSON object with state, assignee or note");
		goto out;
	}
	if (json_object_size(doc) == 0) {
		snprintf(reason, reason_len, "nothing to change: give state, assignee or note");
		goto out;
	}
	json_object_foreach(doc, key, v) {
		if (strcmp(key, "state") == 0) {
			if (copy_string(v, key, out->state, sizeof(out->state), false, reason,
					reason_len))
				goto out;
			if (!in_list(out->state, states, sizeof(states) / sizeof(states[0]))) {
				snprintf(
					reason, reason_len,
					"'state' must be new, triage, confirmed, false_positive or closed");
				goto out;
			}
		} else if (strcmp(key, "assignee") == 0) {
			if (copy_string(v, key, out->assignee, sizeof(out->assignee), false, reason,
					reason_len))
				goto out;
			if (out->assignee[0] &&
			    !raqib_agent_id_is_valid(out->assignee, strlen(out->assignee))) {
				snprintf(
					reason, reason_len,
					"'assignee' must be a user name (letters, digits, '.', '-', '_'), or empty to unassign");
				goto out;
			}
			out->has_assignee = true;
		} else if (strcmp(key, "note") == 0) {
			if (copy_string(v, key, out->note, sizeof(out->note), true, reason,
					reason_len))
				goto out;
			if (!out->note[strspn(out->note, " \t\n")]) {
				snprintf(reason, reason_len, "'note' is empty");
				goto out;
			}
		} else {
			char name[40];

			safe_name(key, name, sizeof(name));
			snprintf(reason, reason_len,
				 "unknown key '%s': expected state, assignee, note", name);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}
