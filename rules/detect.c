// SPDX-License-Identifier: GPL-2.0-only
/*
 * Detectors on one line (../shared/spec/moroccan-pii.md sections 2, 5 and 7): each candidate a
 * detector pattern matched is checked for boundaries, validated, scored with its context words
 * (same line, a window of characters before and after) or its table column header and negative
 * words, then overlapping candidates are resolved by priority and the survivors counted as
 * distinct values. A line of context words between separators becomes the header of the table
 * that follows.
 */
#include "scanner.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "validators.h"

static bool is_alnum_byte(char c)
{
	return (unsigned char)c < 0x80 && isalnum((unsigned char)c);
}

size_t utf8_back(const char *s, size_t pos, unsigned n)
{
	while (pos > 0 && n > 0) {
		pos--;
		if (((unsigned char)s[pos] & 0xc0) != 0x80)
			n--;
	}
	return pos;
}

size_t utf8_forward(const char *s, size_t len, size_t pos, unsigned n)
{
	while (pos < len && n > 0) {
		pos++;
		while (pos < len && ((unsigned char)s[pos] & 0xc0) == 0x80)
			pos++;
		n--;
	}
	return pos;
}

bool word_boundary_ok(const struct line *line, const struct match *m, uint8_t flags)
{
	if ((flags & PAT_WORD_LEFT) && m->from > 0 && is_alnum_byte(line->text[m->from - 1]))
		return false;
	if ((flags & PAT_WORD_RIGHT) && m->to < line->len && is_alnum_byte(line->text[m->to]))
		return false;
	return true;
}

/* Separators of a text table, in order of preference when a line has several kinds. */
static const char table_seps[] = { '\t', '|', ';', ',' };

/*
 * Tables with no separator character, their columns aligned with spaces (fixed-width reports,
 * text laid out from PDF tables): a header's cells are parted by ALIGN_GAP spaces or more, and
 * a value belongs to the header column that starts at most ALIGN_SLACK characters after it.
 */
#define ALIGN_GAP   2
#define ALIGN_SLACK 2
#define ALIGNED	    ' '

/* Characters (UTF-8 code points) in s[0..len). */
static unsigned char_count(const char *s, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Cells of s[0..len) parted by gaps of ALIGN_GAP spaces; their starts (characters) in starts. */
static unsigned aligned_cells(const char *s, size_t len, uint16_t starts[MAX_COLUMNS])
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len && s[i] == ' ')
		i++;
	while (i < len && n < MAX_COLUMNS) {
		starts[n++] = (uint16_t)char_count(s, i);
		while (i < len && !(s[i] == ' ' && i + 1 < len && s[i + 1] == ' '))
			i++;
		while (i < len && s[i] == ' ')
			i++;
	}
	return n;
}

/*
 * The aligned column of what starts at byte off of s, or MAX_COLUMNS: the last header column
 * that starts at most ALIGN_SLACK characters after it (a full cell may leave a single space).
 */
static unsigned aligned_column(const struct table_state *t, const char *s, size_t off)
{
	unsigned pos = char_count(s, off);
	unsigned col = MAX_COLUMNS;

	for (unsigned k = 0; k < t->n_columns; k++)
		if (t->starts[k] <= pos + ALIGN_SLACK)
			col = k;
	return col;
}

/* A line of aligned cells (at least two, parted by a gap). */
static bool has_gap(const char *s, size_t len)
{
	for (size_t i = 1; i + 1 < len; i++)
		if (s[i] == ' ' && s[i + 1] == ' ' && s[i - 1] != ' ')
			return true;
	return false;
}

/* Separators of kind sep in s[0..len), outside double quotes (CSV). */
static unsigned count_sep(const char *s, size_t len, char sep)
{
	bool quoted = false;
	unsigned n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == sep && !quoted)
			n++;
	}
	return n;
}

static bool is_email_char(char c)
{
	return is_alnum_byte(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/*
 * Start of an e-mail address that ends at to: back to its '@', then over the characters a local
 * part may hold (the pattern runs without start-of-match tracking, see compile.c).
 */
static uint32_t email_start(const struct line *line, uint32_t to)
{
	uint32_t at = to;

	while (at > 0 && line->text[at - 1] != '@')
		at--;
	if (at == 0)
		return to;
	at--;
	while (at > 0 && is_email_char(line->text[at - 1]))
		at--;
	return at;
}

/* Boundaries of a detector candidate: nothing glued to it that would make it another token. */
static bool candidate_bounded(const struct line *line, const struct detector *d, uint32_t from,
			      uint32_t to)
{
	const char *s = line->text;
	char before = from > 0 ? s[from - 1] : ' ';
	char after = to < line->len ? s[to] : ' ';

	if (d->validator == VAL_EMAIL) {
		if (is_email_char(before))
			return false;
		if (is_alnum_byte(after) || after == '-' || after == '_')
			return false;
		/* "a@b.co.uk" reported at "a@b.co": the address goes on */
		return !(after == '.' && to + 1 < line->len && is_alnum_byte(s[to + 1]));
	}
	/* a passport number in an MRZ line goes on into the rest of the line */
	if (d->validator == VAL_PASSPORT && to - from > 9)
		return !is_alnum_byte(before);
	if (is_alnum_byte(before) || is_alnum_byte(after))
		return false;
	if (d->validator == VAL_PHONE_MA && before == '+')
		return false;
	if (validator_needs_digit_boundary(d->validator)) {
		/* a digit group glued through one separator: the number goes on */
		if (from >= 2 && strchr(" .-", before) && isdigit((unsigned char)s[from - 2]))
			return false;
		if (to + 1 < line->len && strchr(" .-", after) && isdigit((unsigned char)s[to + 1]))
			return false;
	}
	return true;
}

/* The context word of detector d near [from, to), or NULL. */
static const char *find_context(const struct rules *r, const struct line *line, size_t d,
				uint32_t from, uint32_t to, uint8_t role, unsigned before,
				unsigned after)
{
	size_t wstart = utf8_back(line->text, from, before);
	size_t wend = utf8_forward(line->text, line->len, to, after);

	for (size_t i = 0; i < line->n_matches; i++) {
		const struct match *m = &line->matches[i];
		const struct pattern_ref *ref = &r->patterns[m->id];

		if (ref->role != role || ref->rule != d)
			continue;
		if (m->from < wstart || m->to > wend || (m->from < to && m->to > from))
			continue;
		if (role == ROLE_NEGATIVE && m->to > from)
			continue; /* negative words count before the candidate only */
		if (!word_boundary_ok(line, m, ref->flags))
			continue;
		return role == ROLE_CONTEXT ? r->detectors[d].ctx_words.items[ref->item]
					    : r->detectors[d].neg_words.items[ref->item];
	}
	return NULL;
}

static bool column_names(const struct rules_scan *scan, const struct line *line, size_t d,
			 uint32_t from)
{
	const struct table_state *t = &scan->table;
	unsigned col;

	if (!t->active || d >= MAX_COLUMN_DETECTORS)
		return false;
	if (t->sep == ALIGNED) {
		if (!has_gap(line->text, line->len))
			return false;
		col = aligned_column(t, line->text, from);
	} else {
		if (!memchr(line->text, t->sep, line->len))
			return false;
		col = count_sep(line->text, from, t->sep);
	}
	return col < MAX_COLUMNS && (t->columns[col] & (1ull << d));
}

/* Scores one candidate; false when it does not count. */
static bool evaluate(struct rules_scan *scan, const struct line *line, const struct match *m,
		     struct candidate *c)
{
	const struct rules *r = scan->rules;
	const struct pattern_ref *ref = &r->patterns[m->id];
	const struct detector *d = &r->detectors[ref->rule];
	bool in_column;
	enum validation v;
	float adjust;

	uint32_t from = m->from;

	if (ref->flags & PAT_NO_SOM)
		from = email_start(line, m->to);
	if (!candidate_bounded(line, d, from, m->to))
		return false;
	v = validate(d->validator, line->text + from, m->to - from, c->value, sizeof(c->value),
		     &adjust);
	if (v == VALIDATION_REJECT)
		return false;
	c->detector = ref->rule;
	c->priority = d->priority;
	c->from = from;
	c->to = m->to;
	c->checksum = v == VALIDATION_CHECKSUM;
	c->score = (c->checksum ? d->checksum_score : d->score) + adjust;
	c->context = find_context(r, line, ref->rule, from, m->to, ROLE_CONTEXT, d->ctx_before,
				  d->ctx_after);
	in_column = column_names(scan, line, ref->rule, from);
	if (!c->context && in_column)
		c->context = "column header";
	if ((ref->flags & PAT_COLUMN_ONLY) && !in_column)
		return false;
	if (c->context)
		c->score += d->ctx_boost;
	else if (d->ctx_required && !c->checksum)
		return false;
	if (d->neg_words.n && find_context(r, line, ref->rule, from, m->to, ROLE_NEGATIVE,
					   d->neg_before, 0))
		c->score -= d->neg_penalty;
	if (c->score > 1.0f)
		c->score = 1.0f;
	return c->score >= d->min_score;
}

static int cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return (int)(y->to - y->from) - (int)(x->to - x->from);
}

/* A line with context words between separators, and no identifier, heads a table. */
static void maybe_table_header(struct rules_scan *scan, const struct line *line)
{
	const struct rules *r = scan->rules;
	struct table_state t = { .active = true };
	unsigned best = 0;
	bool any = false;

	for (size_t i = 0; i < sizeof(table_seps); i++) {
		unsigned n = count_sep(line->text, line->len, table_seps[i]);

		if (n > best) {
			best = n;
			t.sep = table_seps[i];
		}
	}
	if (best) {
		t.n_columns = (uint16_t)(best + 1);
	} else if (has_gap(line->text, line->len)) {
		t.sep = ALIGNED;
		t.n_columns = (uint16_t)aligned_cells(line->text, line->len, t.starts);
		if (t.n_columns < 2)
			return;
	} else {
		return;
	}
	for (size_t i = 0; i < line->n_matches; i++) {
		const struct match *m = &line->matches[i];
		const struct pattern_ref *ref = &r->patterns[m->id];
		unsigned col;

		if (ref->role != ROLE_CONTEXT || ref->rule >= MAX_COLUMN_DETECTORS ||
		    !word_boundary_ok(line, m, ref->flags))
			continue;
		col = t.sep == ALIGNED ? aligned_column(&t, line->text, m->from) :
					 count_sep(line->text, m->from, t.sep);
		if (col < MAX_COLUMNS) {
			t.columns[col] |= 1ull << ref->rule;
			any = true;
		}
	}
	if (any)
		scan->table = t;
}

int detect_line(struct rules_scan *scan, const struct line *line)
{
	const struct rules *r = scan->rules;
	struct candidate *cands = scan->worker->cands;
	size_t n = 0, kept = 0;
	bool has_context = false;
	int err = 0;

	for (size_t i = 0; i < line->n_matches; i++) {
		const struct match *m = &line->matches[i];
		uint8_t role = r->patterns[m->id].role;

		has_context |= role == ROLE_CONTEXT;
		if (role != ROLE_DETECT)
			continue;
		if (n == MAX_CANDIDATES)
			break;
		if (evaluate(scan, line, m, &cands[n]))
			n++;
	}
	if (n > 1)
		qsort(cands, n, sizeof(*cands), cmp_candidate);
	/* keep the best candidates whose spans do not overlap one kept before */
	for (size_t i = 0; i < n; i++) {
		bool overlaps = false;

		for (size_t k = 0; k < kept && !overlaps; k++)
			overlaps = cands[i].from < cands[k].to && cands[k].from < cands[i].to;
		if (!overlaps)
			cands[kept++] = cands[i];
	}
	for (size_t i = 0; i < kept && !err; i++) {
		const struct detector *d = &r->detectors[cands[i].detector];
		struct occurrence o = {
			.type = d->entity,
			.rule_id = d->meta.id,
			.value = cands[i].value,
			.score = cands[i].score,
			.offset = line->offset + cands[i].from,
			.checksum = cands[i].checksum,
			.shadow = d->meta.mode == RULES_MODE_SHADOW,
			.context = cands[i].context,
		};

		err = finding_set_add(&scan->findings, &o);
	}
	if (n)
		explicit_bzero(cands, n * sizeof(*cands));
	if (!err && !kept && has_context)
		maybe_table_header(scan, line);
	return err;
}
