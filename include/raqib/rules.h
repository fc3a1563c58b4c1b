/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Public API of the detection engine (rules/): the only header the agent, the collector and the
 * tests include to load rules and scan text. Text goes in, chunk by chunk; a verdict comes out:
 * the distinct sensitive values found (with their masked form), and document-level decisions
 * (official document, classification level, bulk personal data).
 *
 * Thread-safety: a struct rules is read-only once built and may be shared by threads; a struct
 * rules_scan belongs to one thread at a time.
 *
 * Personal data: rules_finding.value holds the normalised value found. It never goes to a log,
 * and leaves the host only as its masked form or a keyed hash. rules_verdict_release() wipes it.
 */
#ifndef RAQIB_RULES_H
#define RAQIB_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rules;
struct rules_scan;

/* Where a rule file was refused, and why. */
struct rules_error {
	char file[256];
	unsigned line; /* 1-based, 0 when not about a line */
	unsigned column; /* 1-based, 0 when not about a column */
	char text[256];
};

enum rules_level {
	RULES_LEVEL_NONE,
	RULES_LEVEL_RESTRICTED,
	RULES_LEVEL_CONFIDENTIAL,
	RULES_LEVEL_SECRET,
	RULES_LEVEL_TOP_SECRET,
};

#define RULES_TYPE_MAX 24
#define RULES_ID_MAX 64
#define RULES_VALUE_MAX 64

/* One distinct value of one entity type found in a scanned stream. */
struct rules_finding {
	char type[RULES_TYPE_MAX]; /* entity type, e.g. "CIN", "RIB" */
	char rule_id[RULES_ID_MAX]; /* detector rule that found it */
	char value[RULES_VALUE_MAX]; /* normalised value: personal data, see above */
	char masked[RULES_VALUE_MAX]; /* the value with all but its first characters masked */
	unsigned occurrences; /* times seen in the stream */
	float score; /* highest confidence among occurrences, 0..1 */
	uint64_t first_offset; /* byte offset of the first occurrence in the fed stream */
};

/* What a scan concluded. Filled by rules_scan_finish(); freed by rules_verdict_release(). */
struct rules_verdict {
	struct rules_finding *findings; /* distinct values in first-seen order; owned */
	size_t n_findings;
	bool is_official; /* an official Moroccan administration document */
	enum rules_level level; /* classification mark, RULES_LEVEL_NONE if none */
	bool is_bulk; /* identifiers of 5 or more distinct persons */
	bool is_truncated; /* not everything was scanned (a size or finding limit was reached) */
};

/*
 * Builds the rules compiled into the binary (the walking skeleton's two detectors: CIN with a
 * context word, RIB with its mod-97 key). Returns NULL with errno and err filled on failure.
 */
struct rules *rules_new_builtin(struct rules_error *err);

/* Releases rules; accepts NULL. Verdicts already produced stay valid. */
void rules_free(struct rules *rules);

/* Opens a scan context for one stream (a file, a TCP stream, TLS plaintext). NULL + errno. */
struct rules_scan *rules_scan_new(const struct rules *rules);

/* Feeds the next chunk of the stream. Returns 0, or -ENOMEM. */
int rules_scan_feed(struct rules_scan *scan, const void *buf, size_t len);

/*
 * Ends the stream and fills out (which the caller releases with rules_verdict_release()).
 * The context can be fed again afterwards as a new stream. Returns 0, or -ENOMEM.
 */
int rules_scan_finish(struct rules_scan *scan, struct rules_verdict *out);

/* Frees a scan context and wipes what it buffered; accepts NULL. */
void rules_scan_free(struct rules_scan *scan);

/* Scans one buffer as a whole stream. Returns 0 or a negative errno; fills out. */
int rules_scan_buffer(const struct rules *rules, const void *buf, size_t len,
		      struct rules_verdict *out);

/* Wipes the values and frees the findings; the verdict is empty afterwards. Accepts NULL. */
void rules_verdict_release(struct rules_verdict *verdict);

/* True when the verdict holds anything a policy can alert on. */
bool rules_verdict_is_sensitive(const struct rules_verdict *verdict);

/* "SECRET", "TOP_SECRET"...; NULL for RULES_LEVEL_NONE. */
const char *rules_level_name(enum rules_level level);

#endif /* RAQIB_RULES_H */
