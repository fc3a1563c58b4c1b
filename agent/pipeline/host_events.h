/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host path of the pipeline: records from the BPF sensor become a process table (with app
 * identity and app instances), connection owners (conn_table, read by the network path), file
 * inspections (with a verdict cache), staged files and uploads (correlator.c), and TLS plaintext
 * streams (tls_streams.c); what they conclude becomes alerts handed to the alert sink.
 *
 * Alerts: a sensitive file a watched app opened yields exactly one alert, when its fate is
 * known -- RULES_EVENT_FILE_UPLOAD (high confidence) as soon as matching bytes left, or
 * RULES_EVENT_FILE_READ (medium) when the upload window closes without them, the app instance
 * exits, or the agent stops. TLS plaintext with sensitive content yields RULES_EVENT_TLS_PLAINTEXT
 * when its stream ends, unless it is the upload of a file already alerted on.
 */
#ifndef RAQIB_AGENT_HOST_EVENTS_H
#define RAQIB_AGENT_HOST_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "raqib/events.h"
#include "raqib/rules.h"
#include "extract/extract.h"
#include "outbox/alert.h"
#include "pipeline/conn_table.h"
#include "pipeline/correlator.h"
#include "pipeline/own_files.h"

struct host_events;

/*
 * Where a sensor hands host records: a validated record (its size matches its kind, its tails
 * are NUL-terminated) that stays the caller's. Returns 0 to go on.
 */
typedef int (*host_event_sink_fn)(void *ctx, const struct raqib_event_hdr *hdr);

struct host_events_config {
	struct extract_limits limits; /* per file inspected */
	size_t max_processes; /* process table bound */
	struct conn_table *conns; /* connection owners to fill (the caller's), or NULL */
	/*
	 * Upload matching: window, slack, bounds, and the network sensor's "name of this address"
	 * hook (name_of/name_ctx; NULL until one runs). outcome/outcome_ctx are set by host_events.
	 */
	struct correlator_config corr;
	size_t max_tls_streams;
	uint64_t tls_idle_ns; /* a TLS stream idle this long is decided */
	const char *dpkg_info_dir; /* dpkg's file lists (own_files.h); NULL: /var/lib/dpkg/info */
};

/* Defaults: 64k processes, correlator defaults, 64 TLS streams, 2 s idle. */
void host_events_config_default(struct host_events_config *config);

struct host_events_stats {
	uint64_t execs;
	uint64_t exits;
	uint64_t forks;
	uint64_t opens;
	uint64_t closes;
	uint64_t connects;
	uint64_t flow_records;
	uint64_t tls_records;
	uint64_t inspected;
	uint64_t inspect_failed; /* file gone, replaced, unreadable */
	uint64_t cache_hits; /* file versions inspected before */
	uint64_t binaries; /* executables and libraries (ELF): not documents, not inspected */
	uint64_t emails_only; /* files whose only personal data is e-mail addresses: not staged */
	/* opens of the app's own files, by reason (own_files.h): never inspected nor staged */
	uint64_t own_files[OWN_FILE_MAX];
	uint64_t duplicates; /* same file opened again while staged: no new alert */
	uint64_t staged;
	uint64_t uploads; /* staged files matched to an upload */
	uint64_t read_only; /* staged files whose window closed without an upload */
	uint64_t tls_streams; /* TLS plaintext streams decided */
	uint64_t tls_confirmed; /* sensitive TLS streams that were an upload already alerted on */
	uint64_t alerts;
	uint64_t shadow; /* decisions of rules in shadow mode: counted, not alerted */
	uint64_t alerts_failed; /* the sink refused the alert */
	uint64_t proc_refused; /* process table full */
	uint64_t watched_by_dest; /* processes watched for connecting to a channel */
	/* server names from the names tier's packets (packet_names.h) */
	uint64_t names_dns; /* addresses named by DNS answers */
	uint64_t names_hellos; /* TLS ClientHellos and QUIC Initials seen */
	uint64_t names_connections; /* connections named by their SNI */
	uint64_t names_quic_unknown; /* QUIC Initials of a version not known */
};

/* rules must outlive the object. NULL + errno on failure. */
struct host_events *host_events_new(const struct rules *rules, alert_sink_fn sink, void *sink_ctx,
				    const struct host_events_config *config);

/* Frees; pending decisions are dropped (call host_events_flush() first). Accepts NULL. */
void host_events_free(struct host_events *host);

/*
 * host_event_sink_fn of the host path (ctx is a struct host_events). Returns 0; a failure to
 * inspect or alert is counted, not returned, so one bad file never stops the sensor.
 */
int host_events_on_event(void *ctx, const struct raqib_event_hdr *hdr);

/*
 * Periodic work at now_ns (CLOCK_BOOTTIME, the clock of the kernel's records): staged files
 * whose window closed, idle TLS streams, idle connection owners.
 */
void host_events_tick(struct host_events *host, uint64_t now_ns);

/* Decides everything pending (the agent stops): staged files, TLS streams. */
void host_events_flush(struct host_events *host);

/*
 * Switches to new rules (after a reload): later files are inspected with them, and the apps of
 * known processes are looked up again. The old rules may be freed once this returns. Returns 0
 * or -ENOMEM (the old rules then stay in use).
 */
int host_events_set_rules(struct host_events *host, const struct rules *rules);

void host_events_get_stats(const struct host_events *host, struct host_events_stats *stats);

/* Counters as key/value text pairs ("host.opens"...), for heartbeats and metrics. */
typedef void (*host_events_put_fn)(void *ctx, const char *key, const char *value);
void host_events_report(const struct host_events *host, host_events_put_fn put, void *ctx);

#endif /* RAQIB_AGENT_HOST_EVENTS_H */
