// SPDX-License-Identifier: GPL-2.0-only
/*
 * Alert builder: turns the pipeline's struct alert into the JSON alert document. Findings are
 * copied by type, masked value, count and score; the unmasked value is read only to be hashed
 * with the deployment key (HMAC-SHA256), so no code path can put it in an alert.
 */
#include "alert.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "raqib/keys.h"
#include "raqib/rules.h"
#include "raqib/schema.h"

void alert_hex(const unsigned char *bytes, size_t len, char *out, size_t out_len)
{
	size_t i;

	for (i = 0; i < len && 2 * i + 2 < out_len; i++)
		snprintf(out + 2 * i, 3, "%02x", bytes[i]);
	if (out_len)
		out[2 * i < out_len ? 2 * i : out_len - 1] = '\0';
}

void alert_format_time(int64_t ts_ms, char *out, size_t out_len)
{
	time_t secs = (time_t)(ts_ms / 1000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm)) {
		snprintf(out, out_len, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out, out_len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts_ms % 1000));
}

/* Sets key to a string when value is not NULL. Returns -1 on allocation failure. */
static int set_str(json_t *obj, const char *key, const char *value)
{
	if (!value)
		return 0;
	return json_object_set_new(obj, key, json_string(value));
}

static int set_int(json_t *obj, const char *key, json_int_t value)
{
	return json_object_set_new(obj, key, json_integer(value));
}

/* Attaches sub to obj under key when it has members; consumes the reference. */
static int set_obj(json_t *obj, const char *key, json_t *sub)
{
	if (!sub)
		return -1;
	if (json_object_size(sub) == 0) {
		json_decref(sub);
		return 0;
	}
	return json_object_set_new(obj, key, sub);
}

static json_t *build_event(const struct alert *a, const struct alert_identity *id)
{
	json_t *ev = json_object();
	int err = 0;

	if (!ev)
		return NULL;
	err |= set_str(ev, "id", id->event_id);
	err |= set_str(ev, "kind", a->allowed_by ? "event" : "alert");
	if (a->allowed_by)
		err |= json_object_set_new(ev, "type", json_pack("[s]", "allowed"));
	err |= set_str(ev, "module", "raqib");
	err |= set_str(ev, "dataset",
		       a->kind == ALERT_KIND_FILE    ? "raqib.file" :
		       a->kind == ALERT_KIND_AT_REST ? "raqib.at_rest" :
						       "raqib.network");
	err |= json_object_set_new(ev, "category",
				   json_pack("[s]",
					     a->kind == ALERT_KIND_NETWORK ? "network" : "file"));
	err |= set_int(ev, "severity", a->severity);
	if (id->created_ms > 0) {
		char created[40];

		alert_format_time(id->created_ms, created, sizeof(created));
		err |= set_str(ev, "created", created);
	}
	if (err) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

static json_t *build_process(const struct alert *a)
{
	json_t *p = json_object();
	int err = 0;

	if (!p || a->pid <= 0)
		return p;
	err |= set_int(p, "pid", a->pid);
	err |= set_str(p, "name", a->process_name);
	err |= set_str(p, "executable", a->process_executable);
	err |= set_str(p, "command_line", a->process_command_line);
	if (a->ppid > 0)
		err |= json_object_set_new(p, "parent", json_pack("{s:i}", "pid", a->ppid));
	if (err) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static json_t *build_endpoint(const char *ip, int port)
{
	json_t *e = json_object();
	int err = 0;

	if (!e || !ip)
		return e;
	err |= set_str(e, "ip", ip);
	if (port > 0)
		err |= set_int(e, "port", port);
	if (err) {
		json_decref(e);
		return NULL;
	}
	return e;
}

/* Adds the keyed hash of the finding's value; the value goes nowhere else. */
static int set_value_hash(json_t *item, const struct rules_finding *f,
			  const struct alert_identity *id)
{
	char hash[RAQIB_MAC_HEX_BYTES];
	int err;

	if (!id->value_key)
		return 0;
	if (raqib_value_hash(id->value_key, f->type, f->value, hash))
		return -1;
	err = set_str(item, "hash", hash);
	explicit_bzero(hash, sizeof(hash));
	return err;
}

static json_t *build_findings(const struct rules_verdict *v, const struct alert_identity *id)
{
	json_t *list = json_array();

	if (!list || !v)
		return list;
	for (size_t i = 0; i < v->n_findings; i++) {
		const struct rules_finding *f = &v->findings[i];
		/* two decimals: a float score printed in full reads 0.800000011920929 */
		double score = (double)(int)(f->score * 100.0f + 0.5f) / 100.0;
		json_t *item;

		if (f->shadow)
			continue; /* rules in shadow mode are counted, never alerted on */
		item = json_pack("{s:s, s:s, s:s, s:i, s:f}", "type", f->type, "rule_id", f->rule_id,
				 "masked", f->masked, "occurrences", (int)f->occurrences, "score",
				 score);
		if (item && set_value_hash(item, f, id)) {
			json_decref(item);
			item = NULL;
		}
		if (!item || json_array_append_new(list, item)) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/* Relative errors with four decimals: 0.0012, not 0.0011999999. */
static double round4(double v)
{
	return (double)(long long)(v * 10000.0 + 0.5) / 10000.0;
}

/* raqib.upload.choice: why this file and not another staged one. */
static json_t *build_choice(const struct alert_upload *u)
{
	json_t *c = json_pack("{s:i, s:i, s:f}", "candidates", (int)u->candidates, "in_range",
			      (int)u->in_range, "error", round4(u->match_error));

	if (c && u->runner_up_size >= 0 &&
	    json_object_set_new(c, "runner_up",
				json_pack("{s:I, s:f}", "size", (json_int_t)u->runner_up_size,
					  "error", round4(u->runner_up_error)))) {
		json_decref(c);
		return NULL;
	}
	return c;
}

static json_t *build_app_instance(const struct alert *a)
{
	json_t *o = json_pack("{s:i}", "pid", a->app_instance_pid);
	int err = 0;

	if (!o)
		return NULL;
	err |= set_str(o, "name", a->app_instance_name);
	err |= set_str(o, "executable", a->app_instance_executable);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *build_raqib(const struct alert *a, const struct alert_identity *id)
{
	const struct rules_verdict *v = a->verdict;
	const char *level = v ? rules_level_name(v->level) : NULL;
	json_t *r = json_object();
	json_t *doc;
	int err = 0;

	if (!r)
		return NULL;
	err |= set_int(r, "schema_version", RAQIB_ALERT_SCHEMA_VERSION);
	err |= json_object_set_new(r, "sequence", json_integer((json_int_t)id->sequence));
	err |= set_str(r, "confidence", a->confidence);
	err |= set_str(r, "why", a->why);
	err |= set_str(r, "app", a->app);
	err |= set_str(r, "ndpi_protocol", a->ndpi_protocol);
	err |= set_str(r, "server_name", a->server_name);
	err |= set_str(r, "rules_hash", a->rules_hash ? a->rules_hash : id->rules_hash);
	err |= set_str(r, "allowed_by", a->allowed_by);
	if (id->value_key)
		err |= set_str(r, "value_key_id", id->value_key_id);
	err |= json_object_set_new(r, "findings", build_findings(v, id));
	doc = json_pack("{s:b, s:b, s:b}", "official", v && v->is_official, "bulk_personal_data",
			v && v->is_bulk, "partially_inspected", v && v->is_truncated);
	if (doc && level)
		err |= set_str(doc, "level", level);
	/* a registered document recognised (fingerprint rules): its id, and how alike (100: the
	 * same file), so that provenance follows edited copies too */
	if (doc && v && v->fingerprint[0]) {
		err |= set_str(doc, "fingerprint", v->fingerprint);
		err |= set_int(doc, "similarity", (int)v->fingerprint_similarity);
	}
	err |= set_obj(r, "document", doc);
	if (a->upload) {
		json_t *up = json_pack("{s:I, s:I, s:i, s:I}", "bytes",
				       (json_int_t)a->upload->bytes, "expected_bytes",
				       (json_int_t)a->upload->expected, "flows",
				       (int)a->upload->flows, "delay_ms",
				       (json_int_t)a->upload->delay_ms);

		if (up && a->upload->sender_pid > 0)
			err |= set_int(up, "sender_pid", a->upload->sender_pid);
		if (up && a->upload->candidates)
			err |= set_obj(up, "choice", build_choice(a->upload));
		err |= set_obj(r, "upload", up);
	}
	if (a->app_instance_pid > 0)
		err |= set_obj(r, "app_instance", build_app_instance(a));
	if (a->channel_id)
		err |= set_obj(r, "channel",
			       json_pack("{s:s, s:s, s:s}", "id", a->channel_id, "name",
					 a->channel_name ? a->channel_name : a->channel_id, "kind",
					 a->channel_kind ? a->channel_kind : "messaging"));
	if (err) {
		json_decref(r);
		return NULL;
	}
	return r;
}

json_t *alert_to_json(const struct alert *a, const struct alert_identity *id)
{
	char ts[40];
	json_t *doc = json_object();
	json_t *sub;
	int err = 0;

	if (!doc)
		return NULL;
	alert_format_time(a->ts_ms, ts, sizeof(ts));
	err |= set_str(doc, "@timestamp", ts);
	err |= set_obj(doc, "event", build_event(a, id));
	err |= json_object_set_new(doc, "host", json_pack("{s:s}", "name", id->host_name));
	err |= json_object_set_new(doc, "agent", json_pack("{s:s, s:s, s:s}", "id", id->agent_id,
							   "type", "raqib-agent", "version",
							   id->agent_version));
	sub = json_pack("{s:s, s:s}", "id", a->rule_id, "name", a->rule_name);
	if (sub && a->rule_version) {
		char version[16];

		/* ECS rule.version is a keyword */
		snprintf(version, sizeof(version), "%u", a->rule_version);
		err |= set_str(sub, "version", version);
	}
	err |= set_obj(doc, "rule", sub);
	err |= set_obj(doc, "process", build_process(a));
	if (a->container_id)
		err |= json_object_set_new(doc, "container",
					   json_pack("{s:s}", "id", a->container_id));
	if (a->uid >= 0) {
		char uid[24];

		snprintf(uid, sizeof(uid), "%lld", (long long)a->uid);
		err |= json_object_set_new(doc, "user", json_pack("{s:s}", "id", uid));
	}
	sub = json_object();
	/* a file opened on this host has a path; one seen on the network only a name */
	if (sub && (a->file_path || a->file_name)) {
		const char *name = a->file_name;

		if (!name) {
			const char *slash = strrchr(a->file_path, '/');

			name = slash ? (slash[1] ? slash + 1 : NULL) : a->file_path;
		}
		err |= set_str(sub, "path", a->file_path);
		err |= set_str(sub, "name", name);
		if (a->file_size >= 0)
			err |= set_int(sub, "size", a->file_size);
		if (a->file_sha256)
			err |= json_object_set_new(sub, "hash",
						   json_pack("{s:s}", "sha256", a->file_sha256));
	}
	err |= set_obj(doc, "file", sub);
	sub = build_endpoint(a->source_ip, a->source_port);
	/* ECS source.bytes: what the source (the process, the client) sent to the destination */
	if (sub && a->bytes_sent)
		err |= set_int(sub, "bytes", (json_int_t)a->bytes_sent);
	err |= set_obj(doc, "source", sub);
	err |= set_obj(doc, "destination", build_endpoint(a->destination_ip, a->destination_port));
	sub = json_object();
	if (sub) {
		err |= set_str(sub, "transport", a->transport);
		err |= set_str(sub, "protocol", a->protocol);
		err |= set_str(sub, "community_id", a->community_id);
	}
	err |= set_obj(doc, "network", sub);
	err |= set_obj(doc, "raqib", build_raqib(a, id));
	if (err) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
