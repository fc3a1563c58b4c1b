/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Notifications of alerts and incidents at or above notify.min_severity, into the tools a
 * security team already runs: a webhook (JSON POST, an HMAC-SHA256 signature header, retries
 * with backoff) and syslog (RFC 5424 over UDP, or TCP with octet counting, RFC 6587), both
 * carrying the alert as ECS JSON (what Elastic, Wazuh and Splunk ingest as it is) with the
 * incident it joined under raqib.incident.
 *
 * The consuming loop never waits for a receiver: notifications go through a bounded queue to a
 * thread of their own; when the queue is full, or a notification fails after its retries, it
 * is counted (never silently dropped) and logged at most once per interval.
 */
#ifndef RAQIB_COLLECTOR_NOTIFY_H
#define RAQIB_COLLECTOR_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct collector_config;
struct notifier;

struct notifier_stats {
	uint64_t sent; /* delivered to every receiver configured */
	uint64_t failed; /* gave up after the retries, or the queue was full */
};

/*
 * Starts the notifier for cfg's receivers; NULL with err empty when none is configured, NULL
 * with a reason in err on an error (secret file unreadable, bad address).
 */
struct notifier *notifier_new(const struct collector_config *cfg, char *err, size_t err_len);

/* Sends what is queued (up to timeout_ms), stops the thread and frees; accepts NULL. */
void notifier_free(struct notifier *n, unsigned timeout_ms);

/*
 * Queues the alert (stored JSON) when severity reaches the threshold; incident is the site
 * incident it joined ("" for none), incident_new whether it opened it. Never blocks.
 */
void notifier_alert(struct notifier *n, const char *json, int severity, const char *incident,
		    bool incident_new);

void notifier_get_stats(struct notifier *n, struct notifier_stats *stats);

/*
 * The signature header's value of a body: "sha256=" and the HMAC-SHA256 of the body with the
 * secret, hex (receivers recompute it to check the sender). Returns 0 or -ENOMEM.
 */
int notifier_signature(const char *secret, size_t secret_len, const char *body, size_t len,
		       char *out, size_t out_len);

/*
 * An RFC 5424 syslog line: "<PRI>1 TIMESTAMP HOST raqib-collector - ALERT - MSG" (facility
 * local0, the syslog severity of the alert's). Returns the length written, or -ENOSPC.
 */
int notifier_syslog_line(int severity, int64_t ts_ms, const char *host, const char *msg, char *out,
			 size_t out_len);

#endif /* RAQIB_COLLECTOR_NOTIFY_H */
