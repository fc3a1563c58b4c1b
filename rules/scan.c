// SPDX-License-Identifier: GPL-2.0-only
/*
 * Streaming scanner (see scanner.h). Each feed normalises the chunk behind the stream's carried
 * partial line, runs one Hyperscan pass (block mode) over the complete lines, and hands each
 * line with its matches to the detectors and the document evidence. A line longer than LINE_MAX
 * is cut, the last LINE_OVERLAP bytes scanned again with the next piece, so a cut costs nothing
 * but a few repeated matches. Per-stream memory is the fixed struct rules_scan plus the distinct
 * findings; the batch buffer and the Hyperscan scratch belong to the worker.
 */
#include "scanner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Raw bytes normalised per step: bounds the worker's buffer (the normaliser may expand). */
#define IN_SLICE (16u * 1024)
/* Matches kept per batch; past this the stream is marked truncated (a pathological input). */
#define MAX_MATCHES (4u << 20)

struct rules_worker *rules_worker_new(const struct rules *rules)
{
	struct rules_worker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->rules = rules;
	if (hs_clone_scratch(rules->scratch, &w->scratch) != HS_SUCCESS) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	w->text_cap = LINE_MAX + NORMALIZE_OUT_MAX(IN_SLICE);
	w->text = malloc(w->text_cap);
	w->matches_cap = 4096;
	w->matches = malloc(w->matches_cap * sizeof(*w->matches));
	if (!w->text || !w->matches) {
		rules_worker_free(w);
		errno = ENOMEM;
		return NULL;
	}
	return w;
}

void rules_worker_free(struct rules_worker *w)
{
	if (!w)
		return;
	if (w->text)
		explicit_bzero(w->text, w->text_cap);
	free(w->text);
	free(w->matches);
	explicit_bzero(w->cands, sizeof(w->cands));
	hs_free_scratch(w->scratch);
	free(w);
}

size_t rules_scan_state_size(void)
{
	return sizeof(struct rules_scan);
}

static void stream_reset(struct rules_scan *scan)
{
	normalizer_init(&scan->norm);
	scan->part = RULES_PART_BODY;
	scan->offset = 0;
	explicit_bzero(scan->carry, scan->carry_len);
	scan->carry_len = 0;
	scan->skip_until = 0;
	scan->continuation = false;
	document_reset(scan);
	scan->have_best = false;
	scan->best_is_official = false;
	scan->best_official_score = 0;
	scan->official_any = false;
	scan->level_max = RULES_LEVEL_NONE;
	scan->official_evidence[0] = '\0';
	finding_set_clear(&scan->findings);
	scan->findings.max = scan->rules->settings.max_findings;
	if (scan->fuzzy) {
		fuzzy_free(scan->fuzzy);
		scan->fuzzy = NULL;
	}
	if (scan->rules->has_ssdeep || scan->want_digest)
		scan->fuzzy = fuzzy_new();
}

struct rules_scan *rules_scan_new_shared(const struct rules *rules, struct rules_worker *worker)
{
	struct rules_scan *scan = calloc(1, sizeof(*scan));

	if (!scan)
		return NULL;
	scan->rules = rules;
	scan->worker = worker;
	stream_reset(scan);
	return scan;
}

struct rules_scan *rules_scan_new(const struct rules *rules)
{
	struct rules_worker *w = rules_worker_new(rules);
	struct rules_scan *scan;

	if (!w)
		return NULL;
	scan = rules_scan_new_shared(rules, w);
	if (!scan) {
		rules_worker_free(w);
		return NULL;
	}
	scan->own_worker = true;
	return scan;
}

void rules_scan_want_digest(struct rules_scan *scan)
{
	scan->want_digest = true;
	if (!scan->fuzzy)
		scan->fuzzy = fuzzy_new();
}

void rules_scan_free(struct rules_scan *scan)
{
	if (!scan)
		return;
	explicit_bzero(scan->carry, sizeof(scan->carry));
	finding_set_clear(&scan->findings);
	if (scan->fuzzy)
		fuzzy_free(scan->fuzzy);
	if (scan->own_worker)
		rules_worker_free(scan->worker);
	free(scan);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		    void *ctx)
{
	struct rules_worker *w = ctx;
	const struct pattern_ref *ref = &w->rules->patterns[id];

	(void)flags;
	if (w->n_matches == w->matches_cap) {
		size_t cap = w->matches_cap * 2;
		struct match *m;

		if (cap > MAX_MATCHES) {
			w->match_err = -E2BIG;
			return 1;
		}
		m = reallocarray(w->matches, cap, sizeof(*m));
		if (!m) {
			w->match_err = -ENOMEM;
			return 1;
		}
		w->matches = m;
		w->matches_cap = cap;
	}
	if (ref->flags & PAT_LITERAL)
		from = to - ref->lit_len;
	else if (ref->flags & PAT_NO_SOM)
		from = to; /* only the end is known: the match is placed there */
	w->matches[w->n_matches++] = (struct match){ id, (uint32_t)from, (uint32_t)to };
	return 0;
}

static int on_zone_match(unsigned id, unsigned long long from, unsigned long long to,
			 unsigned flags, void *ctx)
{
	struct rules_worker *w = ctx;
	const struct pattern_ref *ref = &w->rules->patterns[id];

	(void)flags;
	if (w->n_zone_matches == sizeof(w->zone_matches) / sizeof(w->zone_matches[0]))
		return 1; /* a first line with hundreds of markers: enough evidence */
	if (ref->flags & PAT_LITERAL)
		from = to - ref->lit_len;
	else
		from = to;
	w->zone_matches[w->n_zone_matches++] = (struct match){ id, (uint32_t)from, (uint32_t)to };
	return 0;
}

/* Runs the zone database on a line of the top or bottom zone. */
static void scan_zone(struct rules_scan *scan, struct line *line)
{
	struct rules_worker *w = scan->worker;

	w->n_zone_matches = 0;
	if (scan->rules->zone_db && (line->top || line->bottom) && line->len)
		hs_scan(scan->rules->zone_db, line->text, (unsigned)line->len, 0, w->scratch,
			on_zone_match, w);
	line->zone_matches = w->zone_matches;
	line->n_zone_matches = w->n_zone_matches;
}

static int cmp_match_end(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->from < y->from ? -1 : x->from > y->from;
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* Zones of a line: page header/footer parts, or the first lines of the document. */
static void place_line(struct rules_scan *scan, struct line *line, bool counts)
{
	const struct rules_settings *s = &scan->rules->settings;

	line->top = false;
	line->bottom = false;
	if (scan->part == RULES_PART_HEADER) {
		line->top = true;
		return;
	}
	if (scan->part == RULES_PART_FOOTER) {
		line->bottom = true;
		return;
	}
	line->top = scan->doc.body_lines < s->top_lines;
	if (!line->empty && counts)
		scan->doc.body_lines++;
}

/*
 * Scans text[0..len): complete lines, the last one possibly cut (cut_end). Matches ending at or
 * before skip (bytes already scanned before a cut) are dropped.
 */
static int scan_batch(struct rules_scan *scan, char *text, size_t len, uint32_t skip)
{
	struct rules_worker *w = scan->worker;
	size_t ls = 0, mi = 0;
	bool first = true;
	int err = 0;

	w->n_matches = 0;
	w->match_err = 0;
	if (hs_scan(scan->rules->db, text, (unsigned)len, 0, w->scratch, on_match, w) !=
		    HS_SUCCESS &&
	    !w->match_err)
		return -EIO;
	if (w->match_err == -E2BIG)
		scan->findings.overflow = true; /* stop matching this pathological batch */
	else if (w->match_err)
		return w->match_err;
	for (size_t i = 1; i < w->n_matches; i++)
		if (w->matches[i].to < w->matches[i - 1].to) {
			qsort(w->matches, w->n_matches, sizeof(*w->matches), cmp_match_end);
			break;
		}
	while (ls < len && !err) {
		const char *nl = memchr(text + ls, '\n', len - ls);
		size_t le = nl ? (size_t)(nl - text) : len;
		struct match *m = w->matches + mi;
		struct line line = { .text = text + ls, .len = le - ls, .matches = m };
		size_t kept = 0;

		/* this line's matches: those ending in it, starting in it, not already seen */
		for (; mi < w->n_matches && w->matches[mi].to <= le; mi++) {
			struct match cur = w->matches[mi];

			if (cur.from < ls || cur.to <= skip)
				continue;
			cur.from -= (uint32_t)ls;
			cur.to -= (uint32_t)ls;
			m[kept++] = cur;
		}
		line.n_matches = kept;
		line.offset = scan->offset + ls;
		line.empty = is_blank(line.text, line.len);
		place_line(scan, &line, !(first && scan->continuation));
		scan_zone(scan, &line);
		document_line(scan, &line);
		err = detect_line(scan, &line);
		first = false;
		ls = le + 1;
	}
	return err;
}

/*
 * Processes what the worker buffer holds (n bytes: carry then new text): every complete line,
 * then keeps the partial last line as the new carry. final: the stream ends here.
 */
static int process(struct rules_scan *scan, size_t n, bool final)
{
	char *text = (char *)scan->worker->text;
	const char *nl = final ? NULL : memrchr(text, '\n', n);
	size_t complete = final ? n : nl ? (size_t)(nl - text) + 1 : 0;
	size_t keep_from = complete;
	uint32_t skip = scan->skip_until;
	bool cut = false;
	int err = 0;

	if (!final && n - complete > LINE_MAX) {
		/* a line too long to wait for: scan it up to here, rescan the overlap next time */
		size_t end = n - LINE_OVERLAP;

		while (end > complete && ((unsigned char)text[end] & 0xc0) == 0x80)
			end--;
		complete = end;
		keep_from = end - LINE_OVERLAP;
		while (keep_from > 0 && ((unsigned char)text[keep_from] & 0xc0) == 0x80)
			keep_from--;
		cut = true;
	}
	if (complete)
		err = scan_batch(scan, text, complete, skip);
	if (err)
		return err;
	scan->skip_until = cut ? (uint32_t)(complete - keep_from) : 0;
	scan->continuation = cut || (scan->continuation && !complete);
	scan->offset += keep_from;
	scan->carry_len = (uint32_t)(n - keep_from);
	memcpy(scan->carry, text + keep_from, scan->carry_len);
	explicit_bzero(text, n);
	return 0;
}

int rules_scan_feed(struct rules_scan *scan, const void *buf, size_t len)
{
	const uint8_t *in = buf;

	while (len) {
		struct rules_worker *w = scan->worker;
		size_t take = len < IN_SLICE ? len : IN_SLICE;
		size_t n;
		int err;

		memcpy(w->text, scan->carry, scan->carry_len);
		n = normalizer_feed(&scan->norm, in, take, w->text + scan->carry_len);
		if (scan->fuzzy)
			fuzzy_update(scan->fuzzy, w->text + scan->carry_len, n);
		err = process(scan, scan->carry_len + n, false);
		if (err)
			return err;
		in += take;
		len -= take;
	}
	return 0;
}

/* Scans what is carried as the stream's (or the part's) last line. */
static int flush_carry(struct rules_scan *scan)
{
	struct rules_worker *w = scan->worker;
	size_t n;

	memcpy(w->text, scan->carry, scan->carry_len);
	n = scan->carry_len + normalizer_flush(&scan->norm, w->text + scan->carry_len);
	if (!n)
		return 0;
	return process(scan, n, true);
}

int rules_scan_begin_part(struct rules_scan *scan, enum rules_part part)
{
	int err;

	if (part > RULES_PART_ATTACHMENT)
		return -EINVAL;
	err = flush_carry(scan);
	if (err)
		return err;
	switch (part) {
	case RULES_PART_ATTACHMENT:
		document_end(scan);
		document_reset(scan);
		break;
	case RULES_PART_TABLE:
	case RULES_PART_SHEET:
		memset(&scan->table, 0, sizeof(scan->table));
		break;
	default:
		break;
	}
	scan->part = part;
	return 0;
}

static void decide_bulk(const struct rules *r, struct rules_verdict *v)
{
	for (size_t d = 0; d < r->n_detectors && !v->is_bulk; d++) {
		if (!r->detectors[d].person || !r->detectors[d].meta.enabled)
			continue;
		v->is_bulk = rules_verdict_count(v, r->detectors[d].entity) >=
			     r->settings.bulk_threshold;
	}
}

int rules_scan_finish(struct rules_scan *scan, struct rules_verdict *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = flush_carry(scan);
	if (err) {
		stream_reset(scan);
		return err;
	}
	document_end(scan);
	out->is_official = scan->official_any;
	out->level = scan->official_any ? scan->level_max : RULES_LEVEL_NONE;
	out->official_score = scan->best_official_score;
	snprintf(out->official_evidence, sizeof(out->official_evidence), "%s",
		 scan->official_evidence);
	if (scan->fuzzy)
		fingerprint_finish(scan, out);
	finding_set_move_to(&scan->findings, out);
	decide_bulk(scan->rules, out);
	stream_reset(scan);
	return 0;
}

int rules_scan_buffer(const struct rules *rules, const void *buf, size_t len,
		      struct rules_verdict *out)
{
	struct rules_scan *scan = rules_scan_new(rules);
	int err;

	memset(out, 0, sizeof(*out));
	if (!scan)
		return -ENOMEM;
	err = rules_scan_feed(scan, buf, len);
	if (!err)
		err = rules_scan_finish(scan, out);
	rules_scan_free(scan);
	return err;
}
