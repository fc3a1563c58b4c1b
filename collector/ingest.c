// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stream-entry validation for the collector (see ingest.h). Beyond well-formedness, it checks
 * that the entry agrees with its stream and the document it carries (same agent, same
 * sequence) and that no finding carries a raw value: the store must never hold the personal
 * data an alert is about.
 */
#include "ingest.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "raqib/keys.h"
#include "raqib/keyspace.h"
#include "raqib/schema.h"

/* Keys a finding may carry; anything else (a "value", say) is refused. */
static const char *const finding_keys[] = { "type",	   "rule_id", "masked",
					    "occurrences", "score",   "hash" };

static int refuse(char *reason, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *reason, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const struct stream_field *ingest_find_field(const struct stream_field *fields, size_t n,
					     const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < n; i++)
		if (fields[i].name_len == len && memcmp(fields[i].name, name, len) == 0)
			return &fields[i];
	return NULL;
}

static bool is_hex64(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int ingest_parse_timestamp(const char *text, int64_t *ts_ms)
{
	struct tm tm = { 0 };
	int ms = 0, n = 0;
	const char *rest;
	time_t secs;

	if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -EINVAL;
	rest = text + n;
	if (*rest == '.') {
		int digits = 0;

		for (rest++; *rest >= '0' && *rest <= '9'; rest++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*rest - '0');
		if (digits == 0)
			return -EINVAL;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (strcmp(rest, "Z") != 0)
		return -EINVAL;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	secs = timegm(&tm);
	if (secs == (time_t)-1)
		return -EINVAL;
	*ts_ms = (int64_t)secs * 1000 + ms;
	return 0;
}

static bool is_allowed_finding_key(const char *key)
{
	for (size_t i = 0; i < sizeof(finding_keys) / sizeof(finding_keys[0]); i++)
		if (strcmp(key, finding_keys[i]) == 0)
			return true;
	return false;
}

/*
 * A masked value shows at most half its characters, and never more than four (the engine's
 * mask_value()), followed only by '*': anything else may be a value in clear.
 */
static bool is_masked(const char *masked)
{
	size_t len = strlen(masked), shown = strcspn(masked, "*");

	if (strspn(masked + shown, "*") != len - shown)
		return false;
	return shown <= (len >= 8 ? 4 : len / 2);
}

static int check_findings(json_t *alert, char *reason, size_t len)
{
	json_t *findings = json_object_get(json_object_get(alert, "raqib"), "findings");
	json_t *item, *value;
	const char *key;
	size_t i;

	if (!findings)
		return 0;
	if (!json_is_array(findings))
		return refuse(reason, len, "raqib.findings is not an array");
	json_array_foreach(findings, i, item) {
		if (!json_is_object(item) || !json_is_string(json_object_get(item, "type")) ||
		    !json_is_string(json_object_get(item, "masked")))
			return refuse(reason, len, "raqib.findings[%zu] lacks type or masked", i);
		if (!is_masked(json_string_value(json_object_get(item, "masked"))))
			return refuse(
				reason, len,
				"raqib.findings[%zu].masked shows more than a masked value may", i);
		value = json_object_get(item, "hash");
		if (value && (!json_is_string(value) ||
			      !is_hex64(json_string_value(value), json_string_length(value))))
			return refuse(reason, len,
				      "raqib.findings[%zu].hash is not 64 lower-case hex digits",
				      i);
		json_object_foreach(item, key, value) {
			if (!is_allowed_finding_key(key))
				return refuse(
					reason, len,
					"raqib.findings[%zu] carries an unexpected field '%.32s'",
					i, key);
		}
	}
	return 0;
}

static int check_document(struct ingest_entry *out, char *reason, size_t len)
{
	json_t *a = out->alert;
	const char *agent = json_string_value(json_object_get(json_object_get(a, "agent"), "id"));
	json_t *seq = json_object_get(json_object_get(a, "raqib"), "sequence");
	const char *ts = json_string_value(json_object_get(a, "@timestamp"));

	if (!json_is_object(a))
		return refuse(reason, len, "alert is not a JSON object");
	if (!agent || strcmp(agent, out->agent_id) != 0)
		return refuse(reason, len, "alert agent.id does not match the entry's agent");
	if (!json_is_integer(seq) || (uint64_t)json_integer_value(seq) != out->sequence)
		return refuse(reason, len, "alert raqib.sequence does not match the entry's seq");
	if (!ts || ingest_parse_timestamp(ts, &out->ts_ms))
		return refuse(reason, len, "alert @timestamp is missing or not RFC 3339 UTC");
	if (!json_is_string(json_object_get(json_object_get(a, "event"), "id")))
		return refuse(reason, len, "alert event.id is missing");
	if (!json_is_string(json_object_get(json_object_get(a, "rule"), "id")))
		return refuse(reason, len, "alert rule.id is missing");
	return check_findings(a, reason, len);
}

int ingest_head(const struct stream_field *fields, size_t n_fields, const char *stream_agent,
		struct ingest_head *out, char *reason, size_t reason_len)
{
	const struct stream_field *agent, *epoch, *seq, *alert, *hb, *sig;
	size_t total = 0;

	memset(out, 0, sizeof(*out));
	if (n_fields > INGEST_MAX_FIELDS)
		return refuse(reason, reason_len, "entry of more than %d fields",
			      INGEST_MAX_FIELDS);
	for (size_t i = 0; i < n_fields; i++)
		total += fields[i].name_len + fields[i].value_len;
	if (total > INGEST_MAX_ENTRY_BYTES) {
		refuse(reason, reason_len, "oversized entry: %zu bytes, over the %u-byte limit",
		       total, INGEST_MAX_ENTRY_BYTES);
		return -E2BIG;
	}
	agent = ingest_find_field(fields, n_fields, RAQIB_FIELD_AGENT);
	sig = ingest_find_field(fields, n_fields, RAQIB_FIELD_SIG);
	alert = ingest_find_field(fields, n_fields, RAQIB_FIELD_ALERT);
	hb = ingest_find_field(fields, n_fields, RAQIB_FIELD_HEARTBEAT);
	epoch = ingest_find_field(fields, n_fields, RAQIB_FIELD_EPOCH);
	seq = ingest_find_field(fields, n_fields, RAQIB_FIELD_SEQ);
	if (!agent)
		return refuse(reason, reason_len, "missing field '%s'", RAQIB_FIELD_AGENT);
	if (!raqib_agent_id_is_valid(agent->value, agent->value_len))
		return refuse(reason, reason_len, "invalid agent id");
	memcpy(out->agent_id, agent->value, agent->value_len);
	out->agent_id[agent->value_len] = '\0';
	if (stream_agent && strcmp(stream_agent, out->agent_id) != 0)
		return refuse(reason, reason_len,
			      "entry names agent '%s' in the stream of agent '%s'", out->agent_id,
			      stream_agent);
	if (hb && !alert) {
		out->kind = INGEST_HEARTBEAT;
		if (hb->value_len > INGEST_MAX_HEARTBEAT_BYTES) {
			refuse(reason, reason_len,
			       "oversized heartbeat: %zu bytes, over the %u-byte limit",
			       hb->value_len, INGEST_MAX_HEARTBEAT_BYTES);
			return -E2BIG;
		}
		out->body = hb->value;
		out->body_len = hb->value_len;
	} else {
		out->kind = INGEST_ALERT;
		if (!epoch || !seq || !alert)
			return refuse(reason, reason_len, "missing field '%s'",
				      !epoch ? RAQIB_FIELD_EPOCH :
				      !seq   ? RAQIB_FIELD_SEQ :
					       RAQIB_FIELD_ALERT);
		if (!raqib_epoch_is_valid(epoch->value, epoch->value_len))
			return refuse(reason, reason_len,
				      "invalid epoch: expected 16 lower-case hex digits");
		memcpy(out->epoch, epoch->value, epoch->value_len);
		out->epoch[epoch->value_len] = '\0';
		if (parse_u64(seq->value, seq->value_len, &out->sequence) || out->sequence == 0)
			return refuse(reason, reason_len,
				      "invalid seq: expected a decimal number > 0");
		if (alert->value_len > INGEST_MAX_ALERT_BYTES) {
			refuse(reason, reason_len,
			       "oversized entry: an alert of %zu bytes, over the %u-byte limit",
			       alert->value_len, INGEST_MAX_ALERT_BYTES);
			return -E2BIG;
		}
		out->body = alert->value;
		out->body_len = alert->value_len;
	}
	if (!sig)
		return refuse(reason, reason_len, "missing field '%s'", RAQIB_FIELD_SIG);
	if (!is_hex64(sig->value, sig->value_len))
		return refuse(reason, reason_len, "invalid sig: expected 64 lower-case hex digits");
	memcpy(out->sig, sig->value, sig->value_len);
	out->sig[sig->value_len] = '\0';
	return 0;
}

int ingest_alert(const struct ingest_head *head, struct ingest_entry *out, char *reason,
		 size_t reason_len)
{
	json_error_t jerr;
	int err;

	memset(out, 0, sizeof(*out));
	if (head->kind != INGEST_ALERT)
		return refuse(reason, reason_len, "not an alert entry");
	memcpy(out->agent_id, head->agent_id, sizeof(out->agent_id));
	memcpy(out->epoch, head->epoch, sizeof(out->epoch));
	out->sequence = head->sequence;
	out->alert = json_loadb(head->body, head->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!out->alert)
		return refuse(reason, reason_len, "alert is not valid JSON: %s at line %d",
			      jerr.text, jerr.line);
	err = check_document(out, reason, reason_len);
	if (err)
		ingest_entry_release(out);
	return err;
}

json_t *ingest_heartbeat(const struct ingest_head *head, char *reason, size_t reason_len)
{
	json_error_t jerr;
	const char *key;
	json_t *doc, *value;

	if (head->kind != INGEST_HEARTBEAT) {
		refuse(reason, reason_len, "not a heartbeat entry");
		return NULL;
	}
	doc = json_loadb(head->body, head->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		refuse(reason, reason_len, "heartbeat is not valid JSON: %s", jerr.text);
		return NULL;
	}
	if (!json_is_object(doc) || json_object_size(doc) > INGEST_MAX_HEARTBEAT_FIELDS) {
		refuse(reason, reason_len, "heartbeat is not an object of at most %d fields",
		       INGEST_MAX_HEARTBEAT_FIELDS);
		goto err;
	}
	json_object_foreach(doc, key, value) {
		if (strlen(key) > 64 || !json_is_string(value) || json_string_length(value) > 256) {
			refuse(reason, reason_len,
			       "heartbeat field '%.64s' is not a string of at most 256 bytes", key);
			goto err;
		}
	}
	return doc;
err:
	json_decref(doc);
	return NULL;
}

int ingest_parse(const struct stream_field *fields, size_t n_fields, struct ingest_entry *out,
		 char *reason, size_t reason_len)
{
	struct ingest_head head;
	int err = ingest_head(fields, n_fields, NULL, &head, reason, reason_len);

	if (err) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	if (head.kind != INGEST_ALERT) {
		memset(out, 0, sizeof(*out));
		return refuse(reason, reason_len, "missing field '%s'", RAQIB_FIELD_ALERT);
	}
	return ingest_alert(&head, out, reason, reason_len);
}

void ingest_entry_release(struct ingest_entry *entry)
{
	if (!entry)
		return;
	json_decref(entry->alert);
	entry->alert = NULL;
}
