/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validation of one entry of the raqib:events stream before the collector stores it. Stream
 * entries are hostile input (anyone with write access to the stream can add one), so every
 * field is checked and bounded; a refused entry gets a one-line reason for the dead-letter
 * stream. Pure functions, no Redis: unit tested and fuzzed on their own.
 */
#ifndef RAQIB_COLLECTOR_INGEST_H
#define RAQIB_COLLECTOR_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Largest alert document accepted, in bytes. */
#define INGEST_MAX_ALERT_BYTES (1u << 20)

/* One field/value pair of a stream entry, borrowed from the Redis reply. */
struct stream_field {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

struct ingest_entry {
	char agent_id[65];
	uint64_t sequence;
	char sig[65]; /* the entry's signature, 64 lower-case hex digits (not checked here) */
	int64_t ts_ms; /* the alert's @timestamp, epoch milliseconds */
	json_t *alert; /* parsed document; owned, json_decref() via ingest_entry_release() */
};

/*
 * Parses and validates an entry: fields agent, seq, alert and sig (the signature's shape only;
 * keystore_verify() checks it). Returns 0 and fills out, or -EINVAL with reason set (e.g.
 * "missing field 'seq'", "alert is not valid JSON: ...").
 */
int ingest_parse(const struct stream_field *fields, size_t n_fields, struct ingest_entry *out,
		 char *reason, size_t reason_len);

void ingest_entry_release(struct ingest_entry *entry);

/* The field called name, or NULL. */
const struct stream_field *ingest_find_field(const struct stream_field *fields, size_t n_fields,
					     const char *name);

/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" into epoch milliseconds. Returns 0 or -EINVAL. */
int ingest_parse_timestamp(const char *text, int64_t *ts_ms);

#endif /* RAQIB_COLLECTOR_INGEST_H */
