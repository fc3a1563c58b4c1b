// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSV tables (see csv.h), parsed by libcsv. Cells are joined by TAB and rows end with a newline,
 * the row shape the rules expect of every table; a TAB or line break quoted inside a cell
 * becomes a space so that it cannot shift the columns. libcsv's field buffer is allocated
 * through wiping wrappers: it holds cell text.
 */
#include "csv.h"

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "text.h"

/* Lines of the sample judged for the shape. */
#define SHAPE_LINES	20
#define MAX_TITLE_LINES 3
#define MIN_RECORDS	3
#define SAMPLE_BYTES	(8u * 1024)
/* A row is fed in pieces past this size. */
#define ROW_BYTES (16u * 1024)

struct csv_table {
	struct extract_ctx *ctx;
	struct csv_parser parser;
	char row[ROW_BYTES];
	size_t row_len;
	bool row_started; /* a cell of the current row was seen */
	int err; /* first error of the sink, returned by the next call */
	unsigned title_lines; /* lines before the table, fed as body text */
	bool table_started; /* the TABLE part was announced */
};

/*
 * True when every complete, non-blank record of the sample holds the same number (at least
 * one) of delim outside quotes, over at least min_records records. A quoted line break does not end
 * a record (RFC 4180 §2.6).
 */
static bool has_shape(const char *p, size_t len, bool whole, char delim, unsigned min_records)
{
	unsigned records = 0, want = 0, count = 0;
	size_t record_len = 0;
	bool quoted = false;

	for (size_t i = 0; i <= len && records < SHAPE_LINES; i++) {
		bool end = i == len ? whole : p[i] == '\n' && !quoted;

		if (i == len && !end)
			break; /* the sample cut this record */
		if (!end) {
			if (p[i] == '"')
				quoted = !quoted;
			else if (!quoted && p[i] == delim)
				count++;
			if (p[i] != '\r')
				record_len++;
			continue;
		}
		if (record_len > 0) {
			if (records == 0)
				want = count;
			if (count == 0 || count != want)
				return false;
			records++;
		}
		count = 0;
		record_len = 0;
	}
	return records >= min_records;
}

/*
 * Blank lines at the start of p: fed with the title lines, so that the lines of the table keep
 * their numbers in the file (libcsv drops empty records).
 */
static unsigned blank_lines(const char *p, size_t len)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len) {
		size_t start = i;

		while (i < len && p[i] == '\r')
			i++;
		if (i == len || p[i] != '\n') {
			i = start;
			break;
		}
		i++;
		n++;
	}
	return n;
}

/*
 * The delimiter of CSV-shaped text, or 0. Exports often open with a title line or two ("Liste
 * des bénéficiaires - 2024") before the header row: up to MAX_TITLE_LINES lines are allowed
 * before the table, and *title_lines says how many.
 */
static char shape_delimiter(const char *p, size_t len, bool whole, unsigned *title_lines)
{
	static const char delims[] = ",;\t|";
	size_t off = 0;

	for (unsigned skip = 0; skip <= MAX_TITLE_LINES && off < len; skip++) {
		const char *nl;

		for (size_t d = 0; d < sizeof(delims) - 1; d++) {
			/* a header and two rows at least: two lines of a letter are no table */
			if (has_shape(p + off, len - off, whole, delims[d], MIN_RECORDS)) {
				*title_lines = skip + blank_lines(p + off, len - off);
				return delims[d];
			}
		}
		nl = memchr(p + off, '\n', len - off);
		if (!nl)
			break;
		off = (size_t)(nl - p) + 1;
	}
	return 0;
}

/* libcsv's buffer holds cell text: wipe it when it moves or goes. */
static void *wipe_realloc(void *old, size_t size)
{
	void *p = malloc(size);
	size_t old_size;

	if (!p)
		return NULL;
	if (old) {
		old_size = malloc_usable_size(old);
		memcpy(p, old, old_size < size ? old_size : size);
		explicit_bzero(old, old_size);
		free(old);
	}
	return p;
}

static void wipe_free(void *p)
{
	if (p)
		explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

int csv_table_detect(struct extract_ctx *ctx, const char *charset, const char *buf, size_t len,
		     struct csv_table **table)
{
	size_t take = len < SAMPLE_BYTES ? len : SAMPLE_BYTES, invalid, n;
	unsigned title_lines = 0;
	char *sample = text_decode_sample(charset, buf, take, &n, &invalid);
	struct csv_table *t;
	char delim;

	*table = NULL;
	if (!sample)
		return errno == ENOMEM ? -ENOMEM : 0;
	delim = shape_delimiter(sample, n, take == len, &title_lines);
	extract_wipe_free(sample, take * 3 + 4);
	if (!delim)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (csv_init(&t->parser, CSV_APPEND_NULL) != 0) {
		free(t);
		return -ENOMEM;
	}
	csv_set_delim(&t->parser, (unsigned char)delim);
	csv_set_realloc_func(&t->parser, wipe_realloc);
	csv_set_free_func(&t->parser, wipe_free);
	t->ctx = ctx;
	t->title_lines = title_lines;
	*table = t;
	return 0;
}

static void row_flush(struct csv_table *t)
{
	if (!t->err)
		t->err = extract_ctx_feed(t->ctx, t->row, t->row_len);
	explicit_bzero(t->row, t->row_len);
	t->row_len = 0;
}

static void row_put(struct csv_table *t, char c)
{
	if (t->row_len == sizeof(t->row))
		row_flush(t);
	t->row[t->row_len++] = c;
}

static void on_field(void *field, size_t len, void *arg)
{
	struct csv_table *t = arg;
	const char *p = field;

	if (t->row_started)
		row_put(t, '\t');
	t->row_started = true;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
			continue; /* a quoted CRLF is one break */
		row_put(t, p[i] == '\t' || p[i] == '\n' || p[i] == '\r' ? ' ' : p[i]);
	}
}

static void on_row(int c, void *arg)
{
	struct csv_table *t = arg;

	row_put(t, '\n');
	row_flush(t);
	t->row_started = false;
}

int csv_table_feed(void *arg, const char *utf8, size_t len)
{
	struct csv_table *t = arg;

	if (extract_ctx_stopped(t->ctx))
		return -ECANCELED;
	while (t->title_lines && len) {
		const char *nl = memchr(utf8, '\n', len);
		size_t n = nl ? (size_t)(nl - utf8) + 1 : len;

		t->err = extract_ctx_feed(t->ctx, utf8, n);
		if (t->err)
			return t->err;
		t->title_lines -= nl != NULL;
		utf8 += n;
		len -= n;
	}
	if (!len)
		return 0;
	if (!t->table_started) {
		t->table_started = true;
		t->err = extract_ctx_part(t->ctx, RULES_PART_TABLE);
		if (t->err)
			return t->err;
	}
	if (csv_parse(&t->parser, utf8, len, on_field, on_row, t) != len)
		return -ENOMEM; /* not strict: only a failed allocation stops libcsv */
	return t->err;
}

int csv_table_finish(struct csv_table *t)
{
	csv_fini(&t->parser, on_field, on_row, t);
	if (t->row_len)
		row_flush(t);
	return t->err;
}

void csv_table_free(struct csv_table *t)
{
	if (!t)
		return;
	csv_free(&t->parser);
	explicit_bzero(t, sizeof(*t));
	free(t);
}
