/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How raqibctl shows agents: one row per agent from its last heartbeat (the collector keeps it
 * in raqib:{s:<site>}:agent:<id>) and what the collector saw of its sequence
 * (raqib:{s:<site>}:seq:<id>:<epoch>): is it alive, are its sensors
 * attached, does it keep alerts waiting or refuse them, are alerts missing.
 *
 * Status: "stopped" (its last heartbeat said so), "silent" (no heartbeat for three intervals),
 * "degraded" (a sensor degraded, or alerts refused), "ok", or "unknown" (alerts but no
 * heartbeat yet). Silence is measured on the collector's clock (collector.rx), not the agent's.
 */
#ifndef RAQIB_COLLECTOR_AGENT_VIEW_H
#define RAQIB_COLLECTOR_AGENT_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ingest.h"

struct agent_row {
	char id[65];
	char status[12];
	char seen[24]; /* "12s ago" */
	char version[16];
	char rules[13]; /* first 12 hex digits of the rules hash */
	char sensors[64]; /* "bpf:attached pcap:degraded" */
	char sent[24];
	char spool[24]; /* alerts waiting in the agent's spool */
	char refused[24];
	char last_seq[24];
	char stored[24];
	char missing[24];
};

/* The agent's status from its heartbeat fields (see above). now_ms: epoch milliseconds. */
const char *agent_view_status(const struct stream_field *hb, size_t n_hb, int64_t now_ms);

/* Fills row. now_ms: epoch milliseconds. */
void agent_view_row(const char *id, const struct stream_field *hb, size_t n_hb,
		    const struct stream_field *seq, size_t n_seq, int64_t now_ms,
		    struct agent_row *row);

/* {"agent": id, "status": ..., "heartbeat": {...}, "collector": {...}}; NULL on ENOMEM. */
json_t *agent_view_json(const char *id, const struct stream_field *hb, size_t n_hb,
			const struct stream_field *seq, size_t n_seq, int64_t now_ms);

void agent_view_print_header(FILE *out);
void agent_view_print_row(FILE *out, const struct agent_row *row);

#endif /* RAQIB_COLLECTOR_AGENT_VIEW_H */
