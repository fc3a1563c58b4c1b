// SPDX-License-Identifier: GPL-2.0-only
/*
 * Table rows for raqibctl (see alert_view.h). Fields that do not fit their column are cut with
 * "..." on the side that matters less: a path keeps its end (the file name), the rest keep
 * their start.
 */
#include "alert_view.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "term_text.h"

#define W_TIME 19
#define W_SEV 8
#define W_HOST 12
#define W_WHO 22
#define W_WHAT 44
#define W_FINDINGS 28

static const char *str_at(json_t *doc, const char *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(doc, obj), key));
}

static json_int_t int_at(json_t *doc, const char *obj, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(doc, obj), key));
}

static const char *severity_name(json_int_t severity)
{
	if (severity >= 99)
		return "critical";
	if (severity >= 73)
		return "high";
	if (severity >= 47)
		return "medium";
	return "low";
}

static void describe_findings(json_t *doc, char *out, size_t out_len)
{
	json_t *raqib = json_object_get(doc, "raqib");
	json_t *findings = json_object_get(raqib, "findings");
	json_t *document = json_object_get(raqib, "document");
	const char *level = json_string_value(json_object_get(document, "level"));
	size_t used = 0, i;
	json_t *f;
	/* distinct values per type, in first-seen order */
	const char *types[16];
	int counts[16];
	size_t n_types = 0;

	out[0] = '\0';
	json_array_foreach(findings, i, f) {
		const char *type = json_string_value(json_object_get(f, "type"));
		size_t t;

		if (!type)
			continue;
		for (t = 0; t < n_types && strcmp(types[t], type) != 0; t++)
			;
		if (t == n_types) {
			if (n_types == sizeof(types) / sizeof(types[0]))
				continue;
			types[n_types] = type;
			counts[n_types++] = 0;
		}
		counts[t]++;
	}
	for (i = 0; i < n_types && used < out_len; i++)
		used += (size_t)snprintf(out + used, out_len - used, "%s%s:%d", used ? " " : "",
					 types[i], counts[i]);
	if (used < out_len && json_is_true(json_object_get(document, "official")))
		used += (size_t)snprintf(out + used, out_len - used, "%sofficial", used ? " " : "");
	if (used < out_len && level)
		snprintf(out + used, out_len - used, "%s%s", used ? " " : "", level);
}

int alert_view_row(const char *json, size_t len, struct alert_row *row)
{
	json_t *doc = json_loadb(json, len, 0, NULL);
	const char *ts, *path, *app, *name, *dst, *src, *proto;

	memset(row, 0, sizeof(*row));
	if (!json_is_object(doc)) {
		json_decref(doc);
		return -EINVAL;
	}
	ts = json_string_value(json_object_get(doc, "@timestamp"));
	if (ts && strlen(ts) >= 19) {
		memcpy(row->time, ts, 19);
		row->time[10] = ' ';
	}
	snprintf(row->severity, sizeof(row->severity), "%s",
		 severity_name(int_at(doc, "event", "severity")));
	snprintf(row->host, sizeof(row->host), "%s", str_at(doc, "host", "name") ?: "-");
	path = str_at(doc, "file", "path");
	app = str_at(doc, "raqib", "app");
	name = str_at(doc, "process", "name");
	dst = str_at(doc, "destination", "ip");
	src = str_at(doc, "source", "ip");
	proto = str_at(doc, "network", "protocol");
	if (app || name)
		snprintf(row->who, sizeof(row->who), "%s (pid %lld)", app ?: name,
			 (long long)int_at(doc, "process", "pid"));
	else
		snprintf(row->who, sizeof(row->who), "%s", src ?: "-");
	if (path)
		snprintf(row->what, sizeof(row->what), "%s", path);
	else if (dst)
		snprintf(row->what, sizeof(row->what), "%s %s:%lld", proto ?: "?", dst,
			 (long long)int_at(doc, "destination", "port"));
	else
		snprintf(row->what, sizeof(row->what), "-");
	describe_findings(doc, row->findings, sizeof(row->findings));
	snprintf(row->rule, sizeof(row->rule), "%s", str_at(doc, "rule", "id") ?: "-");
	json_decref(doc);
	/* paths, host and process names come from the watched machines */
	term_text_clean(row->host);
	term_text_clean(row->who);
	term_text_clean(row->what);
	term_text_clean(row->findings);
	term_text_clean(row->rule);
	return 0;
}

/* Prints text in a column of width: cut at its start (keep_end) or end, with "...". */
static void column(FILE *out, const char *text, int width, bool keep_end)
{
	int len = (int)strlen(text);

	if (len <= width)
		fprintf(out, "%-*s  ", width, text);
	else if (keep_end)
		fprintf(out, "...%s  ", text + len - (width - 3));
	else
		fprintf(out, "%.*s...  ", width - 3, text);
}

void alert_view_print_header(FILE *out)
{
	column(out, "TIME (UTC)", W_TIME, false);
	column(out, "SEVERITY", W_SEV, false);
	column(out, "HOST", W_HOST, false);
	column(out, "WHO", W_WHO, false);
	column(out, "WHAT", W_WHAT, false);
	column(out, "FINDINGS", W_FINDINGS, false);
	fputs("RULE\n", out);
}

void alert_view_print_row(FILE *out, const struct alert_row *row)
{
	column(out, row->time, W_TIME, false);
	column(out, row->severity, W_SEV, false);
	column(out, row->host, W_HOST, false);
	column(out, row->who, W_WHO, false);
	column(out, row->what, W_WHAT, true);
	column(out, row->findings[0] ? row->findings : "-", W_FINDINGS, false);
	fprintf(out, "%s\n", row->rule);
}
