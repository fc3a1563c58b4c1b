// SPDX-License-Identifier: GPL-2.0-only
/*
 * XLSX workbooks (see ooxml.h; SpreadsheetML, ECMA-376 Part 1 §18). The shared strings table
 * is read first (phonetic runs skipped), then each sheet in the order the workbook lists them
 * (resolved through xl/_rels/workbook.xml.rels; sheets the workbook does not name follow in
 * number order). A row is one line of TAB-separated cells placed by their reference (B3 is the
 * second column), so that a column keeps its header even when cells are missing; columns are
 * capped at TABLE_MAX_COLUMNS, so a cell at XFD1 cannot make a row of 16383 TABs. Title rows
 * before the header row go out as body text (table_rows.h).
 *
 * Numbers are written as integers when they are: a CNSS or phone number typed into a cell is
 * stored as 795440022, 7.95440022E8 or 795440022.0 depending on the producer, and must reach
 * the scanner as 795440022.
 */
#include "ooxml.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table_rows.h"
#include "xml_part.h"
#define MAX_SHEETS 4096

/* Shared strings: one buffer of NUL-terminated strings and their offsets. */
struct shared_strings {
	struct text_buf text;
	size_t *offsets;
	size_t n, n_cap;
};

static int sst_begin(struct shared_strings *s)
{
	if (s->n == s->n_cap) {
		size_t cap = s->n_cap ? s->n_cap * 2 : 256;
		size_t *grown = reallocarray(s->offsets, cap, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		s->offsets = grown;
		s->n_cap = cap;
	}
	if (s->n > 0) {
		int err = text_buf_append(&s->text, "", 1); /* past the previous string's NUL */

		if (err)
			return err;
	}
	if (!s->text.data && text_buf_append(&s->text, "", 0))
		return -ENOMEM;
	s->offsets[s->n++] = s->text.len;
	return 0;
}

static const char *sst_get(const struct shared_strings *s, const char *index)
{
	char *end;
	unsigned long i;

	errno = 0;
	i = strtoul(index, &end, 10);
	if (errno || end == index || *end != '\0' || i >= s->n)
		return NULL;
	return s->text.data + s->offsets[i];
}

static void sst_release(struct shared_strings *s)
{
	text_buf_release(&s->text);
	free(s->offsets);
	memset(s, 0, sizeof(*s));
}

static int load_shared_strings(struct extract_ctx *ctx, const struct zip_member *m,
			       struct shared_strings *s)
{
	struct xml_part x;
	bool more, in_t = false;
	int err;

	err = xml_part_open(&x, ctx, m->name, m->data, m->len);
	more = !err && xml_part_next(&x);
	while (more && !err) {
		const char *name = xml_part_name(&x);
		int type = xml_part_type(&x);

		if (type == XML_READER_TYPE_ELEMENT && strcmp(name, "rPh") == 0 &&
		    !xml_part_is_empty(&x)) {
			more = xml_part_skip(&x); /* phonetic reading, not the text */
			continue;
		}
		if (type == XML_READER_TYPE_ELEMENT && strcmp(name, "si") == 0)
			err = sst_begin(s);
		else if (type == XML_READER_TYPE_ELEMENT && strcmp(name, "t") == 0)
			in_t = !xml_part_is_empty(&x) && s->n > 0;
		else if (type == XML_READER_TYPE_END_ELEMENT && strcmp(name, "t") == 0)
			in_t = false;
		else if (in_t && (type == XML_READER_TYPE_TEXT ||
				  type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE))
			err = text_buf_append(&s->text, xml_part_value(&x),
					      strlen(xml_part_value(&x)));
		more = xml_part_next(&x);
	}
	xml_part_close(&x);
	return err;
}

/* Zero-based column of a cell reference ("C12" -> 2), or -1. */
static long column_of(const char *ref)
{
	long col = 0;
	int letters = 0;

	for (; *ref >= 'A' && *ref <= 'Z' && letters < 4; ref++, letters++)
		col = col * 26 + (*ref - 'A' + 1);
	return letters && letters < 4 ? col - 1 : -1;
}

/*
 * Writes a numeric cell value: an integral value below 2^53 without exponent or fraction,
 * anything else as stored.
 */
static void render_number(const char *v, char *out, size_t out_len)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (!errno && end != v && *end == '\0' && isfinite(d) && d == floor(d) &&
	    fabs(d) < 9007199254740992.0) {
		snprintf(out, out_len, "%.0f", d);
		return;
	}
	snprintf(out, out_len, "%s", v);
}

struct cell {
	char type[16]; /* the t attribute: s, inlineStr, str, b, e, n (default) */
	long column;
	struct text_buf text; /* value (v) or inline string (is/t) */
};

struct sheet_walk {
	struct extract_ctx *ctx;
	const struct shared_strings *sst;
	long last_column; /* column of the previous cell of the row, -1 at its start */
	struct table_rows rows;
	struct cell cell;
	bool in_value; /* inside v, or t of an inline string */
};

static int emit_cell(struct sheet_walk *w)
{
	struct cell *c = &w->cell;
	char number[64];
	const char *text = c->text.data ? c->text.data : "";
	long column = c->column >= 0 ? c->column : w->last_column + 1;
	int err = 0;

	w->last_column = column;
	if (strcmp(c->type, "s") == 0)
		text = sst_get(w->sst, text);
	else if (strcmp(c->type, "b") == 0)
		text = strcmp(text, "1") == 0 ? "TRUE" : "FALSE";
	else if (strcmp(c->type, "e") == 0)
		text = NULL;
	else if (c->type[0] == '\0' || strcmp(c->type, "n") == 0) {
		render_number(text, number, sizeof(number));
		text = number;
	}
	if (text)
		err = table_rows_text(&w->rows, column, text, strlen(text));
	explicit_bzero(number, sizeof(number));
	return err;
}

static void cell_reset(struct cell *c)
{
	if (c->text.data)
		explicit_bzero(c->text.data, c->text.len);
	c->text.len = 0;
	c->type[0] = '\0';
	c->column = -1;
}

static int on_sheet_element(struct sheet_walk *w, struct xml_part *x, const char *name)
{
	char *attr;

	if (strcmp(name, "row") == 0) {
		w->last_column = -1;
	} else if (strcmp(name, "c") == 0) {
		cell_reset(&w->cell);
		attr = xml_part_attr(x, "t");
		if (attr)
			snprintf(w->cell.type, sizeof(w->cell.type), "%s", attr);
		xml_part_free_attr(attr);
		attr = xml_part_attr(x, "r");
		if (attr)
			w->cell.column = column_of(attr);
		xml_part_free_attr(attr);
		if (xml_part_is_empty(x))
			cell_reset(&w->cell);
	} else if (strcmp(name, "v") == 0 || strcmp(name, "t") == 0) {
		w->in_value = !xml_part_is_empty(x);
	}
	return 0;
}

static int on_sheet_end(struct sheet_walk *w, const char *name)
{
	if (strcmp(name, "v") == 0 || strcmp(name, "t") == 0) {
		w->in_value = false;
	} else if (strcmp(name, "c") == 0) {
		int err = emit_cell(w);

		cell_reset(&w->cell);
		return err;
	} else if (strcmp(name, "row") == 0) {
		return table_rows_end_row(&w->rows);
	}
	return 0;
}

static int walk_sheet(struct extract_ctx *ctx, const struct zip_member *m,
		      const struct shared_strings *sst)
{
	struct sheet_walk w = {
		.ctx = ctx, .sst = sst, .last_column = -1, .cell = { .column = -1 }
	};
	struct xml_part x;
	bool more;
	int err, finish;

	table_rows_init(&w.rows, ctx, RULES_PART_SHEET);
	err = xml_part_open(&x, ctx, m->name, m->data, m->len);
	more = !err && xml_part_next(&x);
	while (more && !err) {
		const char *name = xml_part_name(&x);

		switch (xml_part_type(&x)) {
		case XML_READER_TYPE_ELEMENT:
			if (strcmp(name, "rPh") == 0 && !xml_part_is_empty(&x)) {
				more = xml_part_skip(&x);
				continue;
			}
			err = on_sheet_element(&w, &x, name);
			break;
		case XML_READER_TYPE_END_ELEMENT:
			err = on_sheet_end(&w, name);
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			if (w.in_value)
				err = text_buf_append(&w.cell.text, xml_part_value(&x),
						      strlen(xml_part_value(&x)));
			break;
		default:
			break;
		}
		more = xml_part_next(&x);
	}
	xml_part_close(&x);
	finish = table_rows_finish(&w.rows);
	text_buf_release(&w.cell.text);
	err = err ? err : finish;
	return err;
}

/*
 * Sheet parts in workbook order: sheet r:id -> relationship target. Fills list (at most max),
 * returns the count; sheets not resolved are added after in number order.
 */
static size_t sheets_in_order(struct extract_ctx *ctx, const struct zip_package *pkg,
			      const struct zip_member **list, size_t max)
{
	const struct zip_member *wb = zip_package_find(pkg, "xl/workbook.xml");
	const struct zip_member *rels = zip_package_find(pkg, "xl/_rels/workbook.xml.rels");
	const struct zip_member *numbered[MAX_SHEETS];
	size_t n = 0, n_numbered;
	struct xml_part x, r;

	if (wb && rels && xml_part_open(&x, ctx, wb->name, wb->data, wb->len) == 0) {
		while (n < max && xml_part_next(&x)) {
			char *id, *target = NULL, path[512];
			const struct zip_member *sheet = NULL;

			if (xml_part_type(&x) != XML_READER_TYPE_ELEMENT ||
			    strcmp(xml_part_name(&x), "sheet") != 0)
				continue;
			id = xml_part_attr(&x, "id");
			if (id && xml_part_open(&r, ctx, rels->name, rels->data, rels->len) == 0) {
				while (!target && xml_part_next(&r)) {
					char *rid;

					if (xml_part_type(&r) != XML_READER_TYPE_ELEMENT)
						continue;
					rid = xml_part_attr(&r, "Id");
					if (rid && strcmp(rid, id) == 0)
						target = xml_part_attr(&r, "Target");
					xml_part_free_attr(rid);
				}
				xml_part_close(&r);
			}
			if (target &&
			    snprintf(path, sizeof(path), "%s%s", target[0] == '/' ? "" : "xl/",
				     target[0] == '/' ? target + 1 : target) < (int)sizeof(path))
				sheet = zip_package_find(pkg, path);
			for (size_t i = 0; sheet && i < n; i++)
				if (list[i] == sheet)
					sheet = NULL;
			if (sheet)
				list[n++] = sheet;
			xml_part_free_attr(id);
			xml_part_free_attr(target);
		}
		xml_part_close(&x);
	}
	n_numbered = zip_package_numbered(pkg, "xl/worksheets/sheet", ".xml", numbered, MAX_SHEETS);
	for (size_t i = 0; i < n_numbered && n < max; i++) {
		bool listed = false;

		for (size_t k = 0; k < n && !listed; k++)
			listed = list[k] == numbered[i];
		if (!listed)
			list[n++] = numbered[i];
	}
	return n;
}

int extract_xlsx(struct extract_ctx *ctx, const struct zip_package *pkg)
{
	const struct zip_member *sst_part = zip_package_find(pkg, "xl/sharedStrings.xml");
	const struct zip_member **sheets = calloc(MAX_SHEETS, sizeof(*sheets));
	struct shared_strings sst = { 0 };
	size_t n;
	int err = 0;

	if (!sheets)
		return -ENOMEM;
	if (sst_part)
		err = load_shared_strings(ctx, sst_part, &sst);
	n = err ? 0 : sheets_in_order(ctx, pkg, sheets, MAX_SHEETS);
	for (size_t i = 0; i < n && !err && !extract_ctx_stopped(ctx); i++)
		err = walk_sheet(ctx, sheets[i], &sst);
	sst_release(&sst);
	free(sheets);
	return err;
}
