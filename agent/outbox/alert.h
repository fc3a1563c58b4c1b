/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The alert the pipeline hands to the outbox: a plain struct of borrowed pointers, valid for
 * the duration of the call that receives it. alert_to_json() turns it into the alert document
 * (ECS field names where ECS has them, raqib.* for the rest; docs/alert-schema.md) and is the
 * one place where findings are redacted: only masked values ever reach the document.
 */
#ifndef RAQIB_AGENT_ALERT_H
#define RAQIB_AGENT_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct rules_verdict;
struct raqib_key;

/* How a file left: the bytes the app instance sent that matched the file (raqib.upload). */
struct alert_upload {
	uint64_t bytes; /* sent in the matched interval (ECS source.bytes of the flow) */
	uint64_t expected; /* the file's size with the app's upload overhead */
	unsigned flows; /* connections summed */
	int64_t delay_ms; /* from the open to the end of the upload */
	int sender_pid; /* the process that sent, when another than the reader; 0 otherwise */
	/* Why this file (raqib.upload.choice): the instance's other staged files. */
	unsigned candidates; /* staged files of the instance waiting for an upload */
	unsigned in_range; /* those the bytes sent fitted */
	double match_error; /* |bytes - expected| / expected of this file */
	int64_t runner_up_size; /* the next closest file in range, -1 when none */
	double runner_up_error;
};

enum alert_kind {
	ALERT_KIND_FILE, /* a watched app read a sensitive file */
	ALERT_KIND_NETWORK, /* sensitive content seen in a cleartext network stream */
	ALERT_KIND_AT_REST, /* a copy found at rest by raqib-agent scan --report (provenance) */
};

struct alert {
	enum alert_kind kind;
	int64_t ts_ms; /* when the observed event happened, epoch milliseconds */
	const char *rule_id;
	const char *rule_name;
	int severity; /* RAQIB_SEVERITY_* */
	const char *confidence; /* "low", "medium" or "high" */
	const char *why; /* one sentence for the analyst, no personal data */

	/* Process (ALERT_KIND_FILE); pid 0 when unknown. */
	int pid;
	int ppid;
	int64_t uid; /* -1 when unknown */
	const char *process_name;
	const char *process_executable;
	const char *app; /* the process's app from the catalog (its name), or NULL */
	/*
	 * The app instance: the app or browser at the root of the process's tree
	 * (raqib.app_instance), so that a helper process that touched the file does not hide it;
	 * pid 0 when unknown.
	 */
	int app_instance_pid;
	const char *app_instance_name;
	const char *app_instance_executable;
	/* The consumer channel the content went to or was staged for (raqib.channel), or NULL id. */
	const char *channel_id; /* catalog app id: "whatsapp", "gmail" */
	const char *channel_name; /* "WhatsApp" */
	const char *channel_kind; /* "messaging", "webmail", "file_transfer" */
	const char *process_command_line; /* ECS process.command_line, or NULL */
	const char *container_id; /* ECS container.id, or NULL */
	/* A file upload the host correlator matched (raqib.upload), or NULL. */
	const struct alert_upload *upload;

	/* File; NULL path when none. */
	const char *file_path;
	int64_t file_size; /* -1 when unknown */
	const char *file_sha256; /* hex, of the whole file; NULL when unknown */
	const char *file_name; /* name of an uploaded file (ECS file.name), when known */

	/* Network (ALERT_KIND_NETWORK); NULL addresses when none. */
	const char *source_ip;
	int source_port;
	const char *destination_ip;
	int destination_port;
	const char *transport; /* "tcp", "udp" */
	const char *protocol; /* application protocol, lower case ("http") */
	const char *ndpi_protocol; /* nDPI's name ("HTTP", "TLS.WhatsApp") */
	const char *server_name; /* TLS SNI or HTTP Host, when known */
	const char *community_id; /* Community ID v1 of the flow (ECS network.community_id) */

	const struct rules_verdict *verdict;

	/* Evidence added for the durable outbox (issue 7); zero when unknown. */
	unsigned rule_version; /* rules_decision.rule_version */
	const char *rules_hash; /* rules_hash() of the rules that decided; NULL: the outbox's */
	uint64_t bytes_sent; /* bytes the process or client sent to the destination */

	/*
	 * The exception that allowed this event (a sanctioned channel), or NULL: the document is
	 * then an allowed event for the timeline (event.kind "event", event.type ["allowed"],
	 * raqib.allowed_by), not an alert.
	 */
	const char *allowed_by;
	/* The policy asks for the employee's awareness notice (agent/notice.h); not in the
	 * document. */
	bool notify;
};

/* Who emits the alert, and its place in that agent's sequence. */
struct alert_identity {
	const char *agent_id;
	const char *agent_version;
	const char *host_name;
	uint64_t sequence;
	const char *event_id; /* unique id of this alert (UUID) */
	int64_t created_ms; /* when the agent built the alert, epoch milliseconds; 0: not shown */
	const char *rules_hash; /* used when the alert has none */
	/*
	 * The deployment key (include/raqib/keys.h) that hashes each value found, and its public
	 * id; NULL: findings carry no hash.
	 */
	const struct raqib_key *value_key;
	const char *value_key_id;
};

/*
 * Where the pipeline hands its alerts. Returns 0 once the alert is accepted — for the outbox:
 * numbered and written to its spool on disk (synced per --spool-fsync), so it survives Redis
 * being away and the agent restarting — or a negative errno (-ENOSPC: refused, spool full);
 * the alert and what it points to stay the caller's.
 */
typedef int (*alert_sink_fn)(void *ctx, const struct alert *alert);

/*
 * Builds the alert document. Each finding carries its masked value and, with id->value_key,
 * the keyed hash of its value; the value itself never. Returns a new reference (json_decref()
 * it) or NULL on ENOMEM.
 */
json_t *alert_to_json(const struct alert *alert, const struct alert_identity *id);

/* Writes len bytes as lower-case hex into out (2 * len + 1 bytes). */
void alert_hex(const unsigned char *bytes, size_t len, char *out, size_t out_len);

/* Writes an RFC 3339 UTC timestamp with milliseconds ("2026-11-22T10:54:11.123Z"). */
void alert_format_time(int64_t ts_ms, char *out, size_t out_len);

#endif /* RAQIB_AGENT_ALERT_H */
