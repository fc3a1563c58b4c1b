/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's state and its consuming loop (consume.c): the enrolled agents and their
 * streams, the per-agent rate limit, the batch of alerts being stored, and the counters that
 * /metrics shows (metrics.c). main.c builds it from the configuration.
 */
#ifndef RAQIB_COLLECTOR_COLLECTOR_H
#define RAQIB_COLLECTOR_COLLECTOR_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "raqib/keyspace.h"
#include "raqib/redis_conn.h"
#include "store.h"

struct doc_packer;
struct keystore;
struct notifier;

/* Reasons an entry is refused (dead letters, metrics label "reason"). */
enum dead_reason {
	DEAD_MALFORMED, /* fields, JSON, document checks */
	DEAD_OVERSIZED, /* over the size limits */
	DEAD_FOREIGN, /* names another agent than its stream's */
	DEAD_NO_KEY, /* no key for the agent (replay once installed) */
	DEAD_SIGNATURE, /* forged or altered */
	DEAD_DEPLOYMENT_KEY, /* findings hashed with another deployment key */
	DEAD_CONFLICT, /* its number already holds another alert */
	DEAD_REASON_COUNT,
};

const char *dead_reason_code(enum dead_reason r);

/* One enrolled agent, as the collector follows it. */
struct agent_state {
	char id[65];
	char site[RAQIB_SITE_MAX + 1];
	char stream[RAQIB_KEY_MAX];
	bool group_ready; /* its consumer group exists */
	double tokens; /* rate limit: entries it may still have read now */
	uint64_t refill_ms;
	uint64_t rate_limited; /* rounds it was skipped for want of tokens */
	uint64_t flood_dropped; /* entries dropped past ingest.backlog_max */
	uint64_t entries; /* entries read */
	long long lag; /* entries not read yet (last measured) */
};

/* Alerts per rule (and per mode), for /metrics. */
struct rule_count {
	char rule[96];
	bool shadow;
	uint64_t count;
};

struct collector_metrics {
	uint64_t entries_read, stored, duplicates, conflicts, gaps, heartbeats, coverage_gaps;
	uint64_t dead[DEAD_REASON_COUNT];
	uint64_t rate_limited, flood_dropped, incidents_opened, spread_incidents;
	uint64_t trimmed, redis_errors;
	uint64_t notifications_sent, notifications_failed;
	unsigned agents_enrolled, agents_up, agents_degraded, agents_silent;
	struct rule_count *rules;
	size_t n_rules, cap_rules;
};

struct collector {
	struct collector_config cfg;
	struct raqib_redis_addr redis;
	char consumer[128];
	bool drain; /* exit once nothing is left to read */
	volatile sig_atomic_t *stop;
	int64_t clock_offset_ms; /* the receive clock, moved by tests (--clock-offset) */
	struct store *store;
	struct keystore *keys;
	struct notifier *notifier;
	struct doc_packer *packer; /* stored documents' encoder (consume.c) */
	struct store_policy policy;

	struct agent_state *agents; /* sorted by site, then id */
	size_t n_agents, cap_agents;
	uint64_t registry_ms, housekeeping_ms, claim_ms;

	/* guarded by lock: metrics and the last agent scan, read by the HTTP thread */
	pthread_mutex_t lock;
	struct collector_metrics m;

	uint64_t log_ms[8]; /* per-interval logging of repeated failures */
};

/* Milliseconds of the receive clock (CLOCK_REALTIME plus the offset). */
int64_t collector_now_ms(const struct collector *c);

/* Consumes until stopped (or, with drain, until nothing is left). Returns 0 or -EIO. */
int collector_run(struct collector *c);

/* Connects the store (again). Returns 0 or -EIO (logged when first). */
int collector_connect(struct collector *c, bool first);

/* The Prometheus text of the metrics (metrics.c); a malloc'ed string, or NULL. */
char *collector_metrics_text(struct collector *c);

#endif /* RAQIB_COLLECTOR_COLLECTOR_H */
