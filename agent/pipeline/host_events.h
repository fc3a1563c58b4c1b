/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host path of the pipeline: process lifecycle and file-open events from the BPF sensor
 * become a process table and file inspections; a sensitive file opened by a messaging app
 * becomes an alert handed to the alert sink.
 */
#ifndef RAQIB_AGENT_HOST_EVENTS_H
#define RAQIB_AGENT_HOST_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "raqib/events.h"
#include "raqib/rules.h"
#include "extract/extract.h"
#include "outbox/alert.h"

struct host_events;

/*
 * Where a sensor hands host records: a validated record (its size matches its kind, its tails
 * are NUL-terminated) that stays the caller's. Returns 0 to go on.
 */
typedef int (*host_event_sink_fn)(void *ctx, const struct raqib_event_hdr *hdr);

struct host_events_config {
	struct extract_limits limits; /* per file inspected */
	size_t max_processes; /* process table bound */
};

struct host_events_stats {
	uint64_t execs;
	uint64_t exits;
	uint64_t opens;
	uint64_t inspected;
	uint64_t inspect_failed; /* file gone, replaced, unreadable */
	uint64_t duplicates; /* same file opened again by the same process: no new alert */
	uint64_t alerts;
	uint64_t shadow; /* decisions of rules in shadow mode: counted, not alerted */
	uint64_t alerts_failed; /* the sink refused the alert */
	uint64_t proc_refused; /* process table full */
};

/* rules must outlive the object. NULL + errno on failure. */
struct host_events *host_events_new(const struct rules *rules, alert_sink_fn sink, void *sink_ctx,
				    const struct host_events_config *config);
void host_events_free(struct host_events *host);

/*
 * host_event_sink_fn of the host path (ctx is a struct host_events). Returns 0; a failure to inspect or alert is counted, not returned, so one bad
 * file never stops the sensor.
 */
int host_events_on_event(void *ctx, const struct raqib_event_hdr *hdr);

/*
 * Switches to new rules (after a reload): later files are inspected with them, and the apps of
 * known processes are looked up again. The old rules may be freed once this returns. Returns 0
 * or -ENOMEM (the old rules then stay in use).
 */
int host_events_set_rules(struct host_events *host, const struct rules *rules);

void host_events_get_stats(const struct host_events *host, struct host_events_stats *stats);

#endif /* RAQIB_AGENT_HOST_EVENTS_H */
