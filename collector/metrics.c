// SPDX-License-Identifier: GPL-2.0-only
/*
 * The collector's Prometheus metrics (text exposition format 0.0.4), from the counters the
 * consuming loop keeps under its lock (collector.h). Served at /metrics by main.c's routes.
 */
#include "collector.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (int tries = 0; tries < 2 && !t->failed; tries++) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		{
			size_t cap = (t->cap + (size_t)n) * 2;
			char *more = realloc(t->buf, cap);

			if (!more) {
				t->failed = true;
				return;
			}
			t->buf = more;
			t->cap = cap;
		}
	}
}

static void counter(struct text *t, const char *name, const char *help, uint64_t v)
{
	add(t, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name, name, v);
}

static void gauge(struct text *t, const char *name, const char *help, long long v)
{
	add(t, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, v);
}

char *collector_metrics_text(struct collector *c)
{
	struct text t = { .cap = 8192 };
	struct collector_metrics *m = &c->m;
	struct notifier_stats ns;

	t.buf = malloc(t.cap);
	if (!t.buf)
		return NULL;
	notifier_get_stats(c->notifier, &ns);
	pthread_mutex_lock(&c->lock);
	counter(&t, "raqib_entries_read_total", "Stream entries read (alerts and heartbeats).",
		m->entries_read);
	counter(&t, "raqib_alerts_stored_total", "Alerts stored.", m->stored);
	counter(&t, "raqib_alerts_duplicate_total",
		"Alerts received again (same agent, epoch and sequence) and not stored twice.",
		m->duplicates);
	counter(&t, "raqib_sequence_gaps_total", "Alerts stored after numbers never received.",
		m->gaps);
	counter(&t, "raqib_heartbeats_total", "Heartbeats received.", m->heartbeats);
	counter(&t, "raqib_coverage_gaps_total",
		"Coverage gaps heartbeats revealed (silence, degraded sensor, refused alerts).",
		m->coverage_gaps);
	add(&t, "# HELP raqib_dead_letters_total Entries refused, by reason.\n"
		"# TYPE raqib_dead_letters_total counter\n");
	for (int r = 0; r < DEAD_REASON_COUNT; r++)
		add(&t, "raqib_dead_letters_total{reason=\"%s\"} %" PRIu64 "\n",
		    dead_reason_code((enum dead_reason)r), m->dead[r]);
	counter(&t, "raqib_rate_limited_total",
		"Reads of an agent's stream deferred because the agent was over its rate.",
		m->rate_limited);
	counter(&t, "raqib_flood_dropped_total",
		"Entries dropped from flooding agents' streams past ingest.backlog_max.",
		m->flood_dropped);
	counter(&t, "raqib_incidents_opened_total", "Site incidents opened.", m->incidents_opened);
	counter(&t, "raqib_stream_trimmed_total",
		"Stream entries trimmed once every consumer group acknowledged them.", m->trimmed);
	counter(&t, "raqib_redis_errors_total", "Redis connections lost.", m->redis_errors);
	counter(&t, "raqib_notifications_sent_total", "Notifications delivered.", ns.sent);
	counter(&t, "raqib_notifications_failed_total",
		"Notifications given up after their retries, or dropped from a full queue.",
		ns.failed);
	add(&t,
	    "# HELP raqib_alerts_by_rule_total Alerts stored per rule; mode shadow for shadow rules.\n"
	    "# TYPE raqib_alerts_by_rule_total counter\n");
	for (size_t i = 0; i < m->n_rules; i++)
		add(&t, "raqib_alerts_by_rule_total{rule=\"%s\",mode=\"%s\"} %" PRIu64 "\n",
		    m->rules[i].rule, m->rules[i].shadow ? "shadow" : "alert", m->rules[i].count);
	gauge(&t, "raqib_agents_enrolled", "Agents in the registry.", m->agents_enrolled);
	add(&t,
	    "# HELP raqib_agents Agents by status at the last check.\n"
	    "# TYPE raqib_agents gauge\n"
	    "raqib_agents{status=\"up\"} %u\nraqib_agents{status=\"degraded\"} %u\n"
	    "raqib_agents{status=\"silent\"} %u\n",
	    m->agents_up, m->agents_degraded, m->agents_silent);
	add(&t,
	    "# HELP raqib_consumer_lag Entries of an agent's stream not read yet by the collectors.\n"
	    "# TYPE raqib_consumer_lag gauge\n");
	for (size_t i = 0; i < c->n_agents; i++)
		add(&t, "raqib_consumer_lag{site=\"%s\",agent=\"%s\"} %lld\n", c->agents[i].site,
		    c->agents[i].id, c->agents[i].lag > 0 ? c->agents[i].lag : 0);
	pthread_mutex_unlock(&c->lock);
	if (t.failed) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}
