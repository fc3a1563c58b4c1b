// SPDX-License-Identifier: GPL-2.0-only
/*
 * Agent rows for raqibctl (see agent_view.h), from the heartbeat's and the collector's fields.
 */
#include "agent_view.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "term_text.h"

/* Missing heartbeats before an agent counts as silent. */
#define SILENT_INTERVALS 3

/* The value of name as a NUL-terminated copy in buf, or NULL. */
static const char *field(const struct stream_field *f, size_t n, const char *name, char *buf,
			 size_t buf_len)
{
	const struct stream_field *x = ingest_find_field(f, n, name);

	if (!x)
		return NULL;
	snprintf(buf, buf_len, "%.*s", (int)x->value_len, x->value);
	return buf;
}

/* Copies the value of name (cut to fit), or dflt, into out. */
static void copy_field(char *out, size_t out_len, const struct stream_field *f, size_t n,
		       const char *name, const char *dflt)
{
	const struct stream_field *x = ingest_find_field(f, n, name);
	size_t len;

	if (!x) {
		snprintf(out, out_len, "%s", dflt);
		return;
	}
	len = x->value_len < out_len - 1 ? x->value_len : out_len - 1;
	memcpy(out, x->value, len);
	out[len] = '\0';
}

static long long field_ll(const struct stream_field *f, size_t n, const char *name)
{
	char buf[32];
	const char *v = field(f, n, name, buf, sizeof(buf));

	return v ? strtoll(v, NULL, 10) : 0;
}

static bool starts_with(const struct stream_field *x, const char *prefix)
{
	size_t len = strlen(prefix);

	return x->name_len > len && memcmp(x->name, prefix, len) == 0;
}

const char *agent_view_status(const struct stream_field *hb, size_t n, int64_t now_ms)
{
	char buf[32];
	const char *status = field(hb, n, "status", buf, sizeof(buf));
	long long ts = field_ll(hb, n, "ts"), interval = field_ll(hb, n, "interval_ms");

	/* when the collector received it, by its own clock; the agent's is only data */
	if (ingest_find_field(hb, n, "collector.rx"))
		ts = field_ll(hb, n, "collector.rx");
	if (n == 0)
		return "unknown";
	if (status && strcmp(status, "stopped") == 0)
		return "stopped";
	if (interval > 0 && now_ms - ts > SILENT_INTERVALS * interval)
		return "silent";
	if (field_ll(hb, n, "outbox.refused") > 0)
		return "degraded";
	for (size_t i = 0; i < n; i++)
		if (starts_with(&hb[i], "sensor.") && hb[i].value_len >= 8 &&
		    memcmp(hb[i].value, "degraded", 8) == 0)
			return "degraded";
	return "ok";
}

void agent_view_row(const char *id, const struct stream_field *hb, size_t n_hb,
		    const struct stream_field *seq, size_t n_seq, int64_t now_ms,
		    struct agent_row *row)
{
	size_t used = 0;

	memset(row, 0, sizeof(*row));
	snprintf(row->id, sizeof(row->id), "%s", id);
	snprintf(row->status, sizeof(row->status), "%s", agent_view_status(hb, n_hb, now_ms));
	if (n_hb)
		snprintf(row->seen, sizeof(row->seen), "%llds ago",
			 (long long)(now_ms - (ingest_find_field(hb, n_hb, "collector.rx") ?
						       field_ll(hb, n_hb, "collector.rx") :
						       field_ll(hb, n_hb, "ts"))) /
				 1000);
	else
		snprintf(row->seen, sizeof(row->seen), "never");
	copy_field(row->version, sizeof(row->version), hb, n_hb, "version", "-");
	copy_field(row->rules, sizeof(row->rules), hb, n_hb, "rules_hash", "-");
	for (size_t i = 0; i < n_hb && used < sizeof(row->sensors); i++) {
		const char *colon;
		int len;

		if (!starts_with(&hb[i], "sensor."))
			continue;
		colon = memchr(hb[i].value, ':', hb[i].value_len);
		len = colon ? (int)(colon - hb[i].value) : (int)hb[i].value_len;
		used += (size_t)snprintf(row->sensors + used, sizeof(row->sensors) - used,
					 "%s%.*s:%.*s", used ? " " : "", (int)hb[i].name_len - 7,
					 hb[i].name + 7, len, hb[i].value);
	}
	if (!row->sensors[0])
		snprintf(row->sensors, sizeof(row->sensors), "-");
	copy_field(row->sent, sizeof(row->sent), hb, n_hb, "outbox.sent", "-");
	copy_field(row->spool, sizeof(row->spool), hb, n_hb, "spool.pending", "-");
	copy_field(row->refused, sizeof(row->refused), hb, n_hb, "outbox.refused", "-");
	copy_field(row->last_seq, sizeof(row->last_seq), hb, n_hb, "outbox.last_seq", "-");
	copy_field(row->stored, sizeof(row->stored), seq, n_seq, "stored", "0");
	copy_field(row->missing, sizeof(row->missing), seq, n_seq, "missing", "0");
	/* what an agent reports is its own to choose: nothing of it drives the terminal */
	term_text_clean(row->id);
	term_text_clean(row->version);
	term_text_clean(row->rules);
	term_text_clean(row->sensors);
}

static json_t *fields_json(const struct stream_field *f, size_t n)
{
	json_t *obj = json_object();

	for (size_t i = 0; obj && i < n; i++) {
		char key[128];

		snprintf(key, sizeof(key), "%.*s", (int)f[i].name_len, f[i].name);
		if (json_object_set_new(obj, key, json_stringn(f[i].value, f[i].value_len))) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

json_t *agent_view_json(const char *id, const struct stream_field *hb, size_t n_hb,
			const struct stream_field *seq, size_t n_seq, int64_t now_ms)
{
	return json_pack("{s:s, s:s, s:o*, s:o*}", "agent", id, "status",
			 agent_view_status(hb, n_hb, now_ms), "heartbeat", fields_json(hb, n_hb),
			 "collector", fields_json(seq, n_seq));
}

#define ROW_FORMAT "%-16s %-9s %-10s %-8s %-12s %-22s %8s %7s %8s %9s %8s %8s\n"

void agent_view_print_header(FILE *out)
{
	fprintf(out, ROW_FORMAT, "AGENT", "STATUS", "SEEN", "VERSION", "RULES", "SENSORS", "SENT",
		"SPOOL", "REFUSED", "LAST SEQ", "STORED", "MISSING");
}

void agent_view_print_row(FILE *out, const struct agent_row *r)
{
	fprintf(out, ROW_FORMAT, r->id, r->status, r->seen, r->version, r->rules, r->sensors,
		r->sent, r->spool, r->refused, r->last_seq, r->stored, r->missing);
}
