// SPDX-License-Identifier: GPL-2.0-only
/*
 * collector.yml (see config.h): a YAML mapping of mappings, read with libyaml's event parser.
 * Keys are flattened to "section.key" ("notify.webhook.url") and set through one table, so the
 * file, --set and --check-config agree on every key.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define DAY_MS ((int64_t)24 * 3600 * 1000)

enum kind {
	K_STRING,
	K_DURATION,
	K_UINT,
	K_U64,
	K_SEVERITY,
	K_TRANSPORT
};

struct key {
	const char *name;
	enum kind kind;
	size_t offset;
	size_t size; /* strings: the buffer */
};

#define STR(n, f)                                                  \
	{                                                          \
		n, K_STRING, offsetof(struct collector_config, f), \
			sizeof(((struct collector_config *)0)->f)  \
	}
#define FIELD(n, k, f)                                        \
	{                                                     \
		n, k, offsetof(struct collector_config, f), 0 \
	}

static const struct key keys[] = {
	STR("redis", redis),
	STR("consumer", consumer),
	STR("keys", keys_dir),
	STR("metrics.listen", metrics_listen),
	STR("desk.listen", desk_listen),
	STR("desk.tls_cert", desk_tls_cert),
	STR("desk.tls_key", desk_tls_key),
	FIELD("incidents.window", K_DURATION, incident_window_ms),
	FIELD("incidents.spread_min_hosts", K_UINT, spread_min_hosts),
	FIELD("ingest.rate_per_agent", K_UINT, rate_per_agent),
	FIELD("ingest.burst_per_agent", K_UINT, burst_per_agent),
	FIELD("ingest.backlog_max", K_U64, backlog_max),
	FIELD("ingest.batch", K_UINT, batch),
	FIELD("ingest.claim_idle", K_DURATION, claim_idle_ms),
	FIELD("retention.alerts", K_DURATION, keep_alerts_ms),
	FIELD("retention.incidents", K_DURATION, keep_incidents_ms),
	FIELD("retention.indexes", K_DURATION, keep_indexes_ms),
	FIELD("retention.dead_letters", K_DURATION, keep_dead_letters_ms),
	FIELD("retention.dead_letters_max", K_U64, dead_letters_max),
	FIELD("notify.min_severity", K_SEVERITY, notify_min_severity),
	STR("notify.webhook.url", webhook_url),
	STR("notify.webhook.secret_file", webhook_secret_file),
	FIELD("notify.webhook.retries", K_UINT, webhook_retries),
	STR("notify.syslog.address", syslog_address),
	FIELD("notify.syslog.transport", K_TRANSPORT, syslog_transport),
};

void config_defaults(struct collector_config *c)
{
	memset(c, 0, sizeof(*c));
	c->incident_window_ms = DAY_MS;
	c->spread_min_hosts = 2;
	c->rate_per_agent = 2000;
	c->burst_per_agent = 10000;
	c->backlog_max = 200000;
	c->batch = 256;
	c->claim_idle_ms = 60000;
	c->keep_alerts_ms = 90 * DAY_MS;
	c->keep_incidents_ms = 365 * DAY_MS;
	c->keep_indexes_ms = 90 * DAY_MS;
	c->keep_dead_letters_ms = 30 * DAY_MS;
	c->dead_letters_max = 100000;
	c->notify_min_severity = 73;
	c->webhook_retries = 5;
	snprintf(c->syslog_transport, sizeof(c->syslog_transport), "udp");
}

static int error_at(struct config_error *err, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int error_at(struct config_error *err, unsigned line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int config_parse_duration(const char *text, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", DAY_MS }
	};
	char *end;
	long long v;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || v < 0 || v > 100000000LL)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0) {
			*ms = v * units[i].ms;
			return 0;
		}
	return -EINVAL;
}

static int parse_uint(const char *text, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int set_at(struct collector_config *c, const char *name, const char *text, unsigned line,
		  struct config_error *err)
{
	static const struct {
		const char *name;
		int value;
	} severities[] = { { "low", 21 }, { "medium", 47 }, { "high", 73 }, { "critical", 99 } };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		char *field = (char *)c + k->offset;
		uint64_t v;

		if (strcmp(k->name, name) != 0)
			continue;
		switch (k->kind) {
		case K_STRING:
			if (strlen(text) >= k->size)
				return error_at(err, line, "%s: value too long", name);
			snprintf(field, k->size, "%s", text);
			return 0;
		case K_DURATION:
			if (config_parse_duration(text, (int64_t *)(void *)field))
				return error_at(
					err, line,
					"%s: '%.64s' is not a duration such as 500ms, 30s, 15m, 24h, 90d",
					name, text);
			return 0;
		case K_UINT:
			if (parse_uint(text, 100000000, &v) || v == 0)
				return error_at(err, line,
						"%s: '%.64s' is not a number from 1 to 100000000",
						name, text);
			*(unsigned *)(void *)field = (unsigned)v;
			return 0;
		case K_U64:
			if (parse_uint(text, UINT64_MAX / 2, &v) || v == 0)
				return error_at(err, line, "%s: '%.64s' is not a number > 0", name,
						text);
			*(uint64_t *)(void *)field = v;
			return 0;
		case K_SEVERITY:
			for (size_t s = 0; s < sizeof(severities) / sizeof(severities[0]); s++)
				if (strcmp(text, severities[s].name) == 0) {
					*(int *)(void *)field = severities[s].value;
					return 0;
				}
			if (!parse_uint(text, 100, &v)) {
				*(int *)(void *)field = (int)v;
				return 0;
			}
			return error_at(
				err, line,
				"%s: '%.64s' is not low, medium, high, critical or 0 to 100", name,
				text);
		case K_TRANSPORT:
			if (strcmp(text, "udp") != 0 && strcmp(text, "tcp") != 0)
				return error_at(err, line, "%s: '%.64s' is not udp or tcp", name,
						text);
			snprintf(c->syslog_transport, sizeof(c->syslog_transport), "%s", text);
			return 0;
		}
	}
	return error_at(err, line, "unknown key '%.128s' (see docs/collector.yml.md)", name);
}

int config_set(struct collector_config *c, const char *key, const char *text,
	       struct config_error *err)
{
	snprintf(err->file, sizeof(err->file), "--set");
	return set_at(c, key, text, 0, err);
}

#define MAX_DEPTH 4

int config_load(struct collector_config *c, const char *path, struct config_error *err)
{
	char names[MAX_DEPTH][64], key[300], pending[64] = "";
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, ret = 0;
	bool have_key = false, done = false;
	FILE *f;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err->text, sizeof(err->text), "cannot open: %s", strerror(errno));
		return ret;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		snprintf(err->text, sizeof(err->text), "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	while (!done && !ret) {
		unsigned line;

		if (!yaml_parser_parse(&parser, &ev)) {
			ret = error_at(err, (unsigned)parser.problem_mark.line + 1, "%s",
				       parser.problem ? parser.problem : "invalid YAML");
			break;
		}
		line = (unsigned)ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_MAPPING_START_EVENT:
			if (depth > 0 && !have_key) {
				ret = error_at(err, line, "a mapping where a key was expected");
				break;
			}
			if (depth >= MAX_DEPTH) {
				ret = error_at(err, line, "nested too deep");
				break;
			}
			snprintf(names[depth], sizeof(names[depth]), "%s", depth ? pending : "");
			depth++;
			have_key = false;
			break;
		case YAML_MAPPING_END_EVENT:
			depth--;
			have_key = false;
			break;
		case YAML_SCALAR_EVENT:
			if (depth == 0) {
				ret = error_at(err, line, "the file is not a mapping of keys");
				break;
			}
			if (!have_key) {
				snprintf(pending, sizeof(pending), "%s",
					 (const char *)ev.data.scalar.value);
				have_key = true;
				break;
			}
			key[0] = '\0';
			for (int i = 1; i < depth; i++) {
				strncat(key, names[i], sizeof(key) - strlen(key) - 1);
				strncat(key, ".", sizeof(key) - strlen(key) - 1);
			}
			strncat(key, pending, sizeof(key) - strlen(key) - 1);
			ret = set_at(c, key, (const char *)ev.data.scalar.value, line, err);
			have_key = false;
			break;
		case YAML_SEQUENCE_START_EVENT:
			ret = error_at(err, line, "'%.64s': lists are not used in collector.yml",
				       pending);
			break;
		case YAML_ALIAS_EVENT:
			ret = error_at(err, line, "aliases are not used in collector.yml");
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}

static void print_duration(FILE *out, const char *name, int64_t ms)
{
	if (ms % DAY_MS == 0)
		fprintf(out, "  %s: %" PRId64 "d\n", name, ms / DAY_MS);
	else if (ms % 3600000 == 0)
		fprintf(out, "  %s: %" PRId64 "h\n", name, ms / 3600000);
	else if (ms % 1000 == 0)
		fprintf(out, "  %s: %" PRId64 "s\n", name, ms / 1000);
	else
		fprintf(out, "  %s: %" PRId64 "ms\n", name, ms);
}

void config_print(const struct collector_config *c, FILE *out)
{
	fprintf(out, "redis: \"%s\"\nconsumer: \"%s\"\nkeys: \"%s\"\n", c->redis, c->consumer,
		c->keys_dir);
	fprintf(out, "metrics:\n  listen: \"%s\"\n", c->metrics_listen);
	fprintf(out, "desk:\n  listen: \"%s\"\n  tls_cert: \"%s\"\n  tls_key: \"%s\"\n",
		c->desk_listen, c->desk_tls_cert, c->desk_tls_key);
	fprintf(out, "incidents:\n");
	print_duration(out, "window", c->incident_window_ms);
	fprintf(out, "  spread_min_hosts: %u\n", c->spread_min_hosts);
	fprintf(out,
		"ingest:\n  rate_per_agent: %u\n  burst_per_agent: %u\n  backlog_max: %" PRIu64
		"\n  batch: %u\n",
		c->rate_per_agent, c->burst_per_agent, c->backlog_max, c->batch);
	print_duration(out, "claim_idle", c->claim_idle_ms);
	fprintf(out, "retention:\n");
	print_duration(out, "alerts", c->keep_alerts_ms);
	print_duration(out, "incidents", c->keep_incidents_ms);
	print_duration(out, "indexes", c->keep_indexes_ms);
	print_duration(out, "dead_letters", c->keep_dead_letters_ms);
	fprintf(out, "  dead_letters_max: %" PRIu64 "\n", c->dead_letters_max);
	fprintf(out,
		"notify:\n  min_severity: %d\n  webhook:\n    url: \"%s\"\n"
		"    secret_file: \"%s\"\n    retries: %u\n  syslog:\n    address: \"%s\"\n"
		"    transport: %s\n",
		c->notify_min_severity, c->webhook_url, c->webhook_secret_file, c->webhook_retries,
		c->syslog_address, c->syslog_transport);
}
