/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The outbox: the last stage of the agent. outbox_send() (the pipeline's alert sink) gives the
 * alert the agent's next sequence number, builds its document (alert.h: masked values, keyed
 * hashes) and appends it to the spool on disk (spool.h); once it is there, the alert is
 * accepted. A sender thread delivers the spool to the agent's own Redis stream
 * (raqib:{s:<site>}:in:<agent>, writable by its ACL user alone) with pipelined XADDs, each
 * entry signed with the agent key, and removes records only once Redis accepted them; while
 * Redis is away, or refuses the agent's ACL user, it retries with backoff, and the pipeline is
 * never kept waiting for the network. The same thread writes the agent's heartbeat, as a
 * signed entry of the same stream.
 *
 * When the spool fills up, alerts are refused by severity, lowest first (the admission
 * policy below and docs/outbox.md), and every refusal is counted.
 *
 * Thread-safety: every function is called from one thread (the event loop); the outbox's own
 * thread shares nothing else with the caller.
 */
#ifndef RAQIB_AGENT_OUTBOX_H
#define RAQIB_AGENT_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "spool.h"

struct raqib_redis_addr;
struct heartbeat_fields;
struct outbox;

/* Severity classes of the admission policy and of the refusal counters. */
enum outbox_class {
	OUTBOX_CLASS_LOW, /* event.severity < 47 */
	OUTBOX_CLASS_MEDIUM, /* 47..72 */
	OUTBOX_CLASS_HIGH, /* 73..98 */
	OUTBOX_CLASS_CRITICAL, /* 99 and above */
	OUTBOX_CLASS_COUNT,
};

struct outbox_config {
	const struct raqib_redis_addr *redis;
	const char *agent_id;
	const char *host_name;
	const char *keys_dir; /* agent key "<id>.key" and "deployment.key"; NULL: the default */
	struct spool_config spool;
	int timeout_ms; /* connect and each command */
	unsigned batch_records; /* XADDs per pipeline; 0: 256 */
	unsigned backoff_max_ms; /* longest wait between two connection attempts; 0: 10000 */
	bool require_redis; /* fail outbox_new() when Redis cannot be reached now */
	const char *site; /* the agent's site (its stream's hash tag); NULL: "default" */
	/*
	 * Development only: send as Redis's default user, with no ACL user. Otherwise the outbox
	 * authenticates as raqib-agent-<id> or sends nothing (fail closed).
	 */
	bool insecure_no_acl;
};

struct outbox_stats {
	uint64_t sent; /* alerts Redis accepted */
	uint64_t failed; /* alerts not accepted: refused (spool full) or could not be built */
	uint64_t last_sequence; /* of the last alert accepted */
	uint64_t accepted; /* alerts written to the spool */
	uint64_t refused[OUTBOX_CLASS_COUNT]; /* spool full, by severity class */
	uint64_t build_errors; /* no memory, or a document too large for the spool */
	uint64_t write_errors; /* the spool could not write (I/O error, not a full disk) */
	uint64_t redis_errors; /* failed connections, commands or replies */
	uint64_t heartbeats; /* heartbeats written */
	uint64_t findings; /* distinct values carried by the alerts accepted */
	bool connected;
	char redis_user[96]; /* the ACL user Redis knows us as ("default" only when insecure) */
	char auth_state[192]; /* "ok", "refused: <reason>", "insecure: no ACL user" */
	uint64_t auth_failures; /* AUTH refused by Redis */
	struct spool_stats spool;
};

/*
 * Opens the spool (resuming what a previous run left), loads or creates the keys, and starts
 * the sender thread. With cfg->require_redis, first checks that Redis answers. Returns NULL
 * with a reason in err (bad agent id, spool or keys unusable, Redis unreachable).
 */
struct outbox *outbox_new(const struct outbox_config *cfg, char *err, size_t err_len);

/*
 * Stops the sender thread (what it is sending is finished, nothing else), closes the spool
 * cleanly and frees the outbox; accepts NULL. Records not delivered stay in the spool.
 */
void outbox_free(struct outbox *outbox);

/*
 * Accepts one alert: numbered, built and written to the spool (synced per the fsync policy).
 * Returns 0 once it is in the spool, or a negative errno: -ENOSPC (spool full for its
 * severity, or disk full: refused and counted), -EIO (write error), -ENOMEM, -EFBIG.
 * Matches alert_sink_fn.
 */
int outbox_send(struct outbox *outbox, const struct alert *alert);

/* alert_sink_fn adapter: ctx is a struct outbox. */
int outbox_sink(void *ctx, const struct alert *alert);

/* The rules hash alerts carry when the pipeline gives none (after a rules reload, the new one). */
void outbox_set_rules_hash(struct outbox *outbox, const char *rules_hash);

/* Hands a heartbeat to the sender thread (copied; the newest replaces one not yet written). */
void outbox_set_heartbeat(struct outbox *outbox, const struct heartbeat_fields *fields);

/*
 * Waits until the spool is delivered and the last heartbeat written, or timeout_ms. Returns 0,
 * or -ETIMEDOUT (what is left stays in the spool for the next run).
 */
int outbox_flush(struct outbox *outbox, unsigned timeout_ms);

void outbox_get_stats(const struct outbox *outbox, struct outbox_stats *stats);

/* Adds the outbox's counters to a heartbeat (a heartbeat_provider_fn; ctx: the outbox). */
void outbox_heartbeat(void *ctx, struct heartbeat_fields *fields);

/*
 * The admission policy: whether an alert of severity may take rec_bytes more of a spool using
 * used_bytes of max_bytes. A class may fill the spool up to its share: low 50 %, medium 75 %,
 * high 90 %, critical 100 %, so that the last room is kept for the alerts that matter most.
 */
bool outbox_admits(int severity, uint64_t used_bytes, uint64_t rec_bytes, uint64_t max_bytes);

enum outbox_class outbox_class_of(int severity);
const char *outbox_class_name(enum outbox_class c);

/* "always", "never" or a number of milliseconds. Returns 0 or -EINVAL. */
int outbox_parse_fsync(const char *text, enum spool_fsync *policy, unsigned *interval_ms);

/* The spool directory of an agent: dir when not NULL, else $RAQIB_SPOOL, else
 * /var/lib/raqib/spool (root) or $XDG_STATE_HOME/raqib/spool, then "/<agent_id>". */
int outbox_spool_dir(const char *dir, const char *agent_id, char *out, size_t out_len);

#endif /* RAQIB_AGENT_OUTBOX_H */
