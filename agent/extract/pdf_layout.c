// SPDX-License-Identifier: GPL-2.0-only
/*
 * From poppler's words to lines of logical text (see pdf.h).
 *
 * Lines: the words of a page whose boxes overlap across the writing axis by half the smaller
 * height, with the same rotation, form one line, wherever poppler's reading order put them.
 * Poppler reads a table column by column (each column a block); rebuilt row by row, a header
 * cell "CIN" and the numbers under it stay in one column of lines, the way the rules read
 * tables. A gap wider than COLUMN_GAP_RATIO of the line height (between table cells, or two
 * columns of text) becomes a tab, so such a line reads as a row of cells.
 *
 * Visual order: within a line, words and the characters of each word are sorted along the
 * writing axis. A space goes between two words when the gap exceeds GAP_RATIO of the line
 * height; characters of one word are never separated, so an identifier a producer split over
 * several text operators (kerning, "tj_split") stays whole.
 *
 * Logical order: a PDF draws glyphs where they appear, so the sorted line is the visual
 * string. Running the bidirectional algorithm (UAX #9) over it with the paragraph direction
 * of the line reverses right-to-left runs back and leaves left-to-right runs (Latin, digits,
 * "+212...") as they are; mirrored glyphs (brackets, guillemets) are mirrored back. The
 * paragraph direction is right-to-left when the line holds more strong right-to-left
 * characters than left-to-right ones. Lines without right-to-left characters skip fribidi.
 */
#include "pdf.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <fribidi.h>

#define GAP_RATIO	 0.15f
#define COLUMN_GAP_RATIO 1.5f
/* A line with more characters is written out in pieces (a hostile page of one line). */
#define MAX_LINE_GLYPHS 8192
/* A page with more characters is laid out in pieces (a hostile page). */
#define MAX_PAGE_GLYPHS (32 * MAX_LINE_GLYPHS)

struct line_word {
	size_t first, n; /* glyphs[first, first + n) */
	float x0, y0, x1, y1; /* union of the glyph boxes */
	int rotation;
	size_t seq; /* reading order: keeps the sort stable */
};

struct layout {
	pdf_line_fn line;
	void *arg;
	int rotation; /* of the current line */
	struct pdf_glyph *glyphs; /* the page's, in poppler's order */
	size_t n_glyphs, cap_glyphs;
	struct line_word *words; /* the page's, then sorted into lines */
	size_t n_words, cap_words;
	struct line_word *row; /* the line being written */
	size_t cap_row;
	/* scratch of write_line(), kept between lines */
	FriBidiChar *text;
	FriBidiCharType *types;
	FriBidiBracketType *brackets;
	FriBidiLevel *levels;
	FriBidiStrIndex *map;
	char *utf8;
	size_t cap_text;
	bool page_has_text;
};

/* Position of a glyph along the writing axis of rotation r. */
static float along(const struct pdf_glyph *g, int r)
{
	switch (r & 3) {
	case 1:
		return g->y0;
	case 2:
		return -g->x1;
	case 3:
		return -g->y1;
	default:
		return g->x0;
	}
}

static float word_along(const struct line_word *w, int r)
{
	switch (r & 3) {
	case 1:
		return w->y0;
	case 2:
		return -w->x1;
	case 3:
		return -w->y1;
	default:
		return w->x0;
	}
}

static float word_end(const struct line_word *w, int r)
{
	switch (r & 3) {
	case 1:
		return w->y1;
	case 2:
		return -w->x0;
	case 3:
		return -w->y0;
	default:
		return w->x1;
	}
}

/* Extent across the writing axis (height of a horizontal line). */
static void word_across(const struct line_word *w, int r, float *lo, float *hi)
{
	if (r & 1) {
		*lo = w->x0;
		*hi = w->x1;
	} else {
		*lo = w->y0;
		*hi = w->y1;
	}
}

static int grow(struct layout *l, size_t n)
{
	size_t cap = l->cap_text ? l->cap_text : 256;

	if (n <= l->cap_text)
		return 0;
	while (cap < n)
		cap *= 2;
	free(l->types);
	free(l->brackets);
	free(l->levels);
	free(l->map);
	if (l->text)
		explicit_bzero(l->text, l->cap_text * sizeof(*l->text));
	free(l->text);
	if (l->utf8)
		explicit_bzero(l->utf8, l->cap_text * 4 + 1);
	free(l->utf8);
	l->text = calloc(cap, sizeof(*l->text));
	l->types = calloc(cap, sizeof(*l->types));
	l->brackets = calloc(cap, sizeof(*l->brackets));
	l->levels = calloc(cap, sizeof(*l->levels));
	l->map = calloc(cap, sizeof(*l->map));
	l->utf8 = malloc(cap * 4 + 1);
	l->cap_text = cap;
	if (!l->text || !l->types || !l->brackets || !l->levels || !l->map || !l->utf8) {
		l->cap_text = 0;
		return -ENOMEM;
	}
	return 0;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Words of a line along the writing axis (qsort: a hostile line may hold thousands). */
static int cmp_along(const void *a, const void *b)
{
	const struct line_word *x = a, *y = b;
	float ax = word_along(x, x->rotation), ay = word_along(y, y->rotation);

	if (ax != ay)
		return ax < ay ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Centre of a word across the writing axis. */
static float across_centre(const struct line_word *w)
{
	float lo, hi;

	word_across(w, w->rotation, &lo, &hi);
	return (lo + hi) / 2;
}

/* Words of a page by rotation, then across the writing axis: candidate lines are adjacent. */
static int cmp_across(const void *a, const void *b)
{
	const struct line_word *x = a, *y = b;
	float cx, cy;

	if (x->rotation != y->rotation)
		return x->rotation < y->rotation ? -1 : 1;
	cx = across_centre(x);
	cy = across_centre(y);
	if (cx != cy)
		return cx < cy ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void sort_glyphs(struct layout *l, const struct line_word *w)
{
	struct pdf_glyph *g = l->glyphs + w->first;

	for (size_t i = 1; i < w->n; i++) {
		struct pdf_glyph x = g[i];
		size_t j = i;

		while (j > 0 && along(&g[j - 1], l->rotation) > along(&x, l->rotation)) {
			g[j] = g[j - 1];
			j--;
		}
		g[j] = x;
	}
}

/* Resolves the line's logical order into l->map (identity when it is left-to-right only). */
static int logical_order(struct layout *l, FriBidiStrIndex n)
{
	FriBidiParType base;
	unsigned rtl = 0, ltr = 0;

	for (FriBidiStrIndex i = 0; i < n; i++)
		l->map[i] = i;
	fribidi_get_bidi_types(l->text, n, l->types);
	for (FriBidiStrIndex i = 0; i < n; i++) {
		if (FRIBIDI_IS_RTL(l->types[i]) && FRIBIDI_IS_STRONG(l->types[i]))
			rtl++;
		else if (FRIBIDI_IS_LETTER(l->types[i]) && FRIBIDI_IS_STRONG(l->types[i]))
			ltr++;
	}
	/* Arabic-Indic digits alone (weak, type AN) still order right to left */
	if (rtl == 0) {
		bool arabic_digits = false;

		for (FriBidiStrIndex i = 0; i < n && !arabic_digits; i++)
			arabic_digits = l->types[i] == FRIBIDI_TYPE_AN;
		if (!arabic_digits)
			return 0;
	}
	base = rtl >= ltr ? FRIBIDI_PAR_RTL : FRIBIDI_PAR_LTR;
	fribidi_get_bracket_types(l->text, n, l->types, l->brackets);
	if (!fribidi_get_par_embedding_levels_ex(l->types, l->brackets, n, &base, l->levels))
		return -ENOMEM;
	if (!fribidi_reorder_line(FRIBIDI_FLAGS_DEFAULT, l->types, n, 0, base, l->levels, NULL,
				  l->map))
		return -ENOMEM;
	fribidi_shape_mirroring(l->levels, n, l->text);
	return 0;
}

/* Writes the line made of the n words in l->row (glyphs in l->glyphs). */
static int write_line(struct layout *l, size_t n_row, size_t n_glyphs)
{
	FriBidiStrIndex n = 0;
	size_t out = 0;
	float lo, hi, gap, height = 0;
	int err;

	if (n_row == 0)
		return 0;
	err = grow(l, n_glyphs + n_row + 1);
	if (err)
		return err;
	l->rotation = l->row[0].rotation;
	qsort(l->row, n_row, sizeof(*l->row), cmp_along);
	for (size_t i = 0; i < n_row; i++) {
		word_across(&l->row[i], l->rotation, &lo, &hi);
		if (hi - lo > height)
			height = hi - lo;
	}
	for (size_t i = 0; i < n_row; i++) {
		const struct line_word *w = &l->row[i];

		gap = i > 0 ? word_along(w, l->rotation) - word_end(&l->row[i - 1], l->rotation) : 0;
		if (gap > COLUMN_GAP_RATIO * height)
			l->text[n++] = '\t';
		else if (gap > GAP_RATIO * height)
			l->text[n++] = ' ';
		sort_glyphs(l, w);
		for (size_t k = 0; k < w->n; k++)
			l->text[n++] = l->glyphs[w->first + k].cp;
	}
	err = logical_order(l, n);
	if (err)
		goto out;
	for (FriBidiStrIndex i = 0; i < n; i++) {
		uint32_t cp = l->text[l->map[i]];

		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
		out += put_utf8(l->utf8 + out, cp);
	}
	err = l->line(l->arg, l->utf8, out);
	explicit_bzero(l->utf8, out);
	explicit_bzero(l->text, (size_t)n * sizeof(*l->text));
	l->page_has_text = true;
out:
	return err;
}

/* b belongs to the line that a starts: same rotation, overlapping by half the smaller height. */
static bool same_line(const struct line_word *a, const struct line_word *b)
{
	float alo, ahi, blo, bhi, overlap, smaller;

	if (a->rotation != b->rotation)
		return false;
	word_across(a, a->rotation, &alo, &ahi);
	word_across(b, b->rotation, &blo, &bhi);
	overlap = fminf(ahi, bhi) - fmaxf(alo, blo);
	smaller = fminf(ahi - alo, bhi - blo);
	return overlap >= 0.5f * smaller;
}

/*
 * The page's words into lines: sorted across the writing axis, each run of words that overlap
 * the run's first word is one line (cut at MAX_LINE_GLYPHS), then the buffers are wiped.
 */
static int flush_page(struct layout *l)
{
	size_t i = 0;
	int err = 0;

	if (l->n_words == 0)
		return 0; /* a page with no text; and qsort must not see the NULL of no page yet */
	qsort(l->words, l->n_words, sizeof(*l->words), cmp_across);
	while (!err && i < l->n_words) {
		size_t n_row = 0, n_glyphs = 0, first = i;

		while (i < l->n_words && same_line(&l->words[first], &l->words[i]) &&
		       (n_row == 0 || n_glyphs + l->words[i].n <= MAX_LINE_GLYPHS)) {
			l->row[n_row++] = l->words[i];
			n_glyphs += l->words[i].n;
			i++;
		}
		err = write_line(l, n_row, n_glyphs);
	}
	explicit_bzero(l->glyphs, l->n_glyphs * sizeof(*l->glyphs));
	l->n_glyphs = 0;
	l->n_words = 0;
	return err;
}

static int on_word(void *arg, const struct pdf_glyph *glyphs, size_t n, int rotation)
{
	struct layout *l = arg;
	struct line_word w = { .first = l->n_glyphs, .n = n };
	int err;

	if (n == 0)
		return 0;
	w.x0 = w.y0 = INFINITY;
	w.x1 = w.y1 = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		w.x0 = fminf(w.x0, glyphs[i].x0);
		w.y0 = fminf(w.y0, glyphs[i].y0);
		w.x1 = fmaxf(w.x1, glyphs[i].x1);
		w.y1 = fmaxf(w.y1, glyphs[i].y1);
	}
	/* a hostile matrix can put a word at infinity or NaN: the sorts need a total order */
	if (!isfinite(w.x0) || !isfinite(w.y0) || !isfinite(w.x1) || !isfinite(w.y1))
		w.x0 = w.y0 = w.x1 = w.y1 = 0;
	w.rotation = rotation;
	if (l->n_glyphs + n > MAX_PAGE_GLYPHS) {
		err = flush_page(l);
		if (err)
			return err;
		w.first = 0;
	}
	if (l->n_glyphs + n > l->cap_glyphs) {
		size_t cap = l->cap_glyphs ? l->cap_glyphs : 256;
		struct pdf_glyph *g;

		while (cap < l->n_glyphs + n)
			cap *= 2;
		g = malloc(cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		if (l->glyphs)
			memcpy(g, l->glyphs, l->n_glyphs * sizeof(*g));
		extract_wipe_free(l->glyphs, l->cap_glyphs * sizeof(*g));
		l->glyphs = g;
		l->cap_glyphs = cap;
	}
	if (l->n_words == l->cap_words) {
		size_t cap = l->cap_words ? l->cap_words * 2 : 64;
		struct line_word *words = reallocarray(l->words, cap, sizeof(*words));
		struct line_word *row = reallocarray(l->row, cap, sizeof(*row));

		if (words)
			l->words = words;
		if (row)
			l->row = row;
		if (!words || !row)
			return -ENOMEM;
		l->cap_words = cap;
	}
	memcpy(l->glyphs + l->n_glyphs, glyphs, n * sizeof(*glyphs));
	l->n_glyphs += n;
	w.seq = l->n_words;
	l->words[l->n_words++] = w;
	return 0;
}

static int on_page(void *arg, int index)
{
	struct layout *l = arg;
	int err = flush_page(l);

	/* pages are paragraphs apart: nothing runs from one page's last line into the next */
	if (!err && l->page_has_text)
		err = l->line(l->arg, "", 0);
	l->page_has_text = false;
	return err;
}

int pdf_text_lines(const void *buf, size_t len, pdf_line_fn line, void *arg,
		   enum pdf_open_status *status, unsigned *damaged_pages)
{
	struct layout l = { .line = line, .arg = arg };
	struct pdf_word_sink sink = { on_page, on_word, &l };
	int err;

	err = pdf_poppler_words(buf, len, &sink, status, damaged_pages);
	if (!err)
		err = flush_page(&l);
	extract_wipe_free(l.glyphs, l.cap_glyphs * sizeof(*l.glyphs));
	free(l.words);
	free(l.row);
	extract_wipe_free(l.text, l.cap_text * sizeof(*l.text));
	extract_wipe_free(l.utf8, l.cap_text ? l.cap_text * 4 + 1 : 0);
	free(l.types);
	free(l.brackets);
	free(l.levels);
	free(l.map);
	return err;
}
