/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of a scan (private to rules/): the per-stream state, the per-thread worker, and the
 * per-line steps that scan.c drives — detectors (detect.c) and document evidence (document.c).
 *
 * Text flows: chunk -> normaliser -> complete lines batched in the worker -> one Hyperscan pass
 * over the batch -> each line with its matches. A line cut by a chunk border waits in the
 * stream's carry (at most LINE_MAX bytes), so nothing across a border is missed.
 */
#ifndef RAQIB_RULES_SCANNER_H
#define RAQIB_RULES_SCANNER_H

#include <stdbool.h>
#include <stdint.h>

#include <fuzzy.h>

#include "engine.h"
#include "normalize.h"
#include "verdict.h"

/* Longest line kept whole; a longer one is cut, keeping LINE_OVERLAP bytes for the next piece. */
#define LINE_MAX 2048
#define LINE_OVERLAP 256
/* Last lines kept for bottom marks, each reduced to its mark key (longer lines cannot be marks). */
#define TAIL_LINES 16
#define TAIL_KEY_MAX 64
/* Table columns whose headers are remembered. */
#define MAX_COLUMNS 32

/* Candidates considered per line; a line of 2 KiB rarely holds more than a few dozen. */
#define MAX_CANDIDATES 256

/* A detector candidate of the line being evaluated. */
struct candidate {
	uint16_t detector;
	int priority;
	uint32_t from, to;
	float score;
	bool checksum;
	const char *context;
	char value[RULES_VALUE_MAX]; /* personal data: wiped after each line */
};

struct match {
	uint32_t id; /* pattern id */
	uint32_t from, to; /* offsets in the batch */
};

struct rules_worker {
	const struct rules *rules;
	hs_scratch_t *scratch;
	uint8_t *text; /* carry + normalised chunk: document text, wiped */
	size_t text_cap;
	struct match *matches;
	size_t n_matches, matches_cap;
	int match_err;
	struct match zone_matches[256]; /* zone-database matches of the line being placed */
	size_t n_zone_matches;
	struct candidate cands[MAX_CANDIDATES];
};

/* Evidence of one document (reset at each attachment or archive member). */
struct doc_state {
	unsigned body_lines; /* non-empty lines seen outside page headers and footers */
	int8_t signal_points[SIG_COUNT]; /* points of each signal seen; 0 if not seen */
	bool signal_seen[SIG_COUNT];
	bool anchor;
	enum rules_level level;
	char tail[TAIL_LINES][TAIL_KEY_MAX]; /* the last non-empty lines, if short ("" if not) */
	unsigned tail_next, tail_count;
};

/* The header row of the current table: which detectors each column names. */
struct table_state {
	bool active;
	char sep; /* '\t', '|', ';' or ','; or ' ' for columns aligned with runs of spaces */
	uint16_t n_columns;
	uint16_t starts[MAX_COLUMNS]; /* aligned columns: where each starts, in characters */
	uint64_t columns[MAX_COLUMNS]; /* bit per detector (first 64) */
};

struct rules_scan {
	const struct rules *rules;
	struct rules_worker *worker;
	bool own_worker;
	struct normalizer norm;
	enum rules_part part;
	uint64_t offset; /* normalised bytes before carry */
	uint32_t carry_len;
	uint32_t skip_until; /* matches ending before this carry offset were already seen */
	bool continuation; /* carry starts inside a line already counted */
	struct doc_state doc;
	struct table_state table;
	bool have_best; /* the document the verdict explains: */
	bool best_is_official;
	int best_official_score;
	bool official_any;
	enum rules_level level_max;
	char official_evidence[160];
	char doc_evidence[160];
	struct finding_set findings;
	struct fuzzy_state *fuzzy; /* similarity digest of the text, when a fingerprint needs one */
	bool want_digest; /* the caller asked for the digest (rules_scan_want_digest) */
	uint8_t carry[LINE_MAX];
};

/* A line handed to the per-line steps: text with its matches (offsets relative to line). */
struct line {
	const char *text;
	size_t len;
	const struct match *matches;
	size_t n_matches;
	const struct match *zone_matches; /* of markers that only count in top/bottom lines */
	size_t n_zone_matches;
	uint64_t offset; /* of the line in the normalised stream */
	bool top; /* in the top zone: first lines of the document, page header */
	bool bottom; /* in a page footer */
	bool empty;
};

/* Evaluates the detector candidates of a line; updates the table header state. 0 or -ENOMEM. */
int detect_line(struct rules_scan *scan, const struct line *line);

/* Records the document evidence of a line (markers, marks). */
void document_line(struct rules_scan *scan, const struct line *line);

/* Ends the current document: official decision, classification level. */
void document_end(struct rules_scan *scan);

/* Resets the per-document state. */
void document_reset(struct rules_scan *scan);

/* Compares the text's similarity digest with the registered documents; fills the verdict. */
void fingerprint_finish(struct rules_scan *scan, struct rules_verdict *out);

/* Start of the window of n characters (UTF-8 code points) before pos in s. */
size_t utf8_back(const char *s, size_t pos, unsigned n);

/* End of the window of n characters after pos in s[0..len). */
size_t utf8_forward(const char *s, size_t len, size_t pos, unsigned n);

/* Whether the match m (a word pattern) has letters or digits glued where its flags forbid. */
bool word_boundary_ok(const struct line *line, const struct match *m, uint8_t flags);

#endif /* RAQIB_RULES_SCANNER_H */
