/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validation of one entry of an agent's stream before the collector stores it. Stream entries
 * are hostile input (a compromised workstation writes what it likes into its own stream), so
 * the order is: the entry's shape and sizes (ingest_head(), no parsing), then the signature
 * (keystore_verify()), and only then the JSON (ingest_alert(), ingest_heartbeat()). A refused
 * entry gets a one-line reason for the dead-letter stream. Pure functions, no Redis: unit
 * tested and fuzzed on their own.
 */
#ifndef RAQIB_COLLECTOR_INGEST_H
#define RAQIB_COLLECTOR_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Largest alert document accepted, in bytes. */
#define INGEST_MAX_ALERT_BYTES (1u << 20)
/* Largest heartbeat accepted, in bytes, and its fields at most. */
#define INGEST_MAX_HEARTBEAT_BYTES  (64u << 10)
#define INGEST_MAX_HEARTBEAT_FIELDS 256
/* Fields of an entry at most, and bytes of all its names and values together. */
#define INGEST_MAX_FIELDS      8
#define INGEST_MAX_ENTRY_BYTES (INGEST_MAX_ALERT_BYTES + 4096)

/* One field/value pair of a stream entry, borrowed from the Redis reply. */
struct stream_field {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

enum ingest_kind {
	INGEST_ALERT, /* fields agent, epoch, seq, alert, sig */
	INGEST_HEARTBEAT, /* fields agent, hb, sig */
};

/* What an entry says before anything in it is parsed: its shape, bounded. */
struct ingest_head {
	enum ingest_kind kind;
	char agent_id[65];
	char epoch[17]; /* alerts: 16 hex digits */
	uint64_t sequence; /* alerts: > 0 */
	char sig[65]; /* 64 lower-case hex digits (checked by keystore_verify()) */
	const char *body; /* the alert or heartbeat JSON, borrowed from the entry */
	size_t body_len;
};

struct ingest_entry {
	char agent_id[65];
	char epoch[17];
	uint64_t sequence;
	int64_t ts_ms; /* the alert's @timestamp, epoch milliseconds: data, never an order */
	json_t *alert; /* parsed document; owned, json_decref() via ingest_entry_release() */
};

/*
 * Step 1, before the signature is checked: the entry's fields, their sizes and shapes, with no
 * JSON parsed. stream_agent is the agent whose stream the entry came from (NULL: not checked):
 * an entry naming another agent is refused. Returns 0, or -EINVAL (-E2BIG for an entry over
 * the size limits) with a one-line reason.
 */
int ingest_head(const struct stream_field *fields, size_t n_fields, const char *stream_agent,
		struct ingest_head *out, char *reason, size_t reason_len);

/*
 * Step 2, once the signature holds: parses and validates the alert document against its head
 * (same agent, same sequence, well-formed fields, no raw value in findings). Returns 0 and fills
 * out, or -EINVAL with reason set.
 */
int ingest_alert(const struct ingest_head *head, struct ingest_entry *out, char *reason,
		 size_t reason_len);

/*
 * Step 2 for a heartbeat: a JSON object of at most INGEST_MAX_HEARTBEAT_FIELDS string fields
 * (names of at most 64 bytes, values of at most 256). Returns a new reference, or NULL with
 * reason set.
 */
json_t *ingest_heartbeat(const struct ingest_head *head, char *reason, size_t reason_len);

/* Steps 1 and 2 of an alert, without a signature check (fuzzing, tests). */
int ingest_parse(const struct stream_field *fields, size_t n_fields, struct ingest_entry *out,
		 char *reason, size_t reason_len);

void ingest_entry_release(struct ingest_entry *entry);

/* The field called name, or NULL. */
const struct stream_field *ingest_find_field(const struct stream_field *fields, size_t n_fields,
					     const char *name);

/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" into epoch milliseconds. Returns 0 or -EINVAL. */
int ingest_parse_timestamp(const char *text, int64_t *ts_ms);

#endif /* RAQIB_COLLECTOR_INGEST_H */
