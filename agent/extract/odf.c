// SPDX-License-Identifier: GPL-2.0-only
/*
 * OpenDocument text, spreadsheets and presentations (see odf.h). One walker reads both
 * styles.xml, where only the page headers and footers of the master pages carry document
 * text, and content.xml. Text is the character data of paragraphs (text:p, text:h) and what
 * they nest (spans, links, fields); text:s, text:tab and text:line-break stand for spaces, tabs
 * and breaks (ODF 1.2 Part 1 §6.1).
 *
 * Tables: rows and cells may be repeated (table:number-rows-repeated, -columns-repeated, up to
 * the 1,048,576 x 16,384 of a spreadsheet) to describe empty areas. Repeated empty cells only
 * count toward the column of the next non-empty one, capped at MAX_COLUMNS, and are never
 * written out one by one. A numeric cell is written from its office:value (integers without
 * fraction or exponent), not from its display text, which may be "7.95E+08".
 */
#include "odf.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table_rows.h"
#include "xml_part.h"

#define MAX_COLUMNS TABLE_MAX_COLUMNS

struct odf_walk {
	struct extract_ctx *ctx;
	bool styles; /* walking styles.xml: only headers (or footers) count */
	enum rules_part only; /* in styles.xml: RULES_PART_HEADER or RULES_PART_FOOTER */
	bool spreadsheet;
	enum rules_part part; /* the part outside tables */
	unsigned hf_depth; /* inside a page header or footer of styles.xml */
	unsigned para_depth; /* inside text:p / text:h */
	unsigned table_depth;
	long column; /* column of the current cell of the outermost table */
	long repeat_pending; /* further columns the current cell stands for */
	bool space_pending; /* a break inside a cell: a space before the cell's next text */
	struct table_rows rows; /* of the outermost table */
};

static bool is_header_footer(const char *name, enum rules_part *part)
{
	if (strncmp(name, "header", 6) == 0 && (name[6] == '\0' || name[6] == '-')) {
		*part = RULES_PART_HEADER;
		return true;
	}
	if (strncmp(name, "footer", 6) == 0 && (name[6] == '\0' || name[6] == '-')) {
		*part = RULES_PART_FOOTER;
		return true;
	}
	return false;
}

static bool counts(const struct odf_walk *w)
{
	return !w->styles || w->hf_depth > 0;
}

static int put_text(struct odf_walk *w, const char *text)
{
	int err = 0;

	if (!counts(w) || !text || !*text)
		return 0;
	if (w->table_depth == 0)
		return extract_ctx_puts(w->ctx, text);
	/* nested tables are flattened into the cell of the outermost one */
	if (w->space_pending)
		err = table_rows_text(&w->rows, w->column, " ", 1);
	w->space_pending = false;
	return err ? err : table_rows_text(&w->rows, w->column, text, strlen(text));
}

/* Inside a table, a space written only if more text of the cell follows. */
static int separator(struct odf_walk *w, const char *outside)
{
	if (!counts(w))
		return 0;
	if (w->table_depth) {
		w->space_pending = true;
		return 0;
	}
	return extract_ctx_puts(w->ctx, outside);
}

static long repeat_of(struct xml_part *x, const char *attr_name)
{
	char *attr = xml_part_attr(x, attr_name);
	long n = 1;

	if (attr) {
		char *end;

		errno = 0;
		n = strtol(attr, &end, 10);
		if (errno || end == attr || n < 1)
			n = 1;
		if (n > MAX_COLUMNS)
			n = MAX_COLUMNS;
	}
	xml_part_free_attr(attr);
	return n;
}

/* A numeric cell: writes its value and returns true (its display text is then skipped). */
static bool numeric_cell(struct odf_walk *w, struct xml_part *x, int *err)
{
	char *type = xml_part_attr(x, "value-type"), *value = NULL, out[64];
	bool numeric = type && (strcmp(type, "float") == 0 || strcmp(type, "currency") == 0 ||
				strcmp(type, "percentage") == 0);
	double d;
	char *end;

	if (numeric)
		value = xml_part_attr(x, "value");
	if (value) {
		errno = 0;
		d = strtod(value, &end);
		if (!errno && end != value && *end == '\0' && isfinite(d) && d == floor(d) &&
		    fabs(d) < 9007199254740992.0)
			snprintf(out, sizeof(out), "%.0f", d);
		else
			snprintf(out, sizeof(out), "%s", value);
		*err = put_text(w, out);
		explicit_bzero(out, sizeof(out));
	}
	xml_part_free_attr(type);
	xml_part_free_attr(value);
	return value != NULL;
}

/* Returns true when the element's subtree was skipped (the walker then must not read on). */
static bool on_start(struct odf_walk *w, struct xml_part *x, const char *name, bool empty, int *err)
{
	enum rules_part hf = RULES_PART_BODY;

	if (strcmp(name, "spreadsheet") == 0) {
		w->spreadsheet = true;
	} else if (w->styles && is_header_footer(name, &hf) && hf == w->only && !empty) {
		if (w->hf_depth++ == 0)
			*err = extract_ctx_part(w->ctx, w->part = hf);
	} else if (strcmp(name, "p") == 0 || strcmp(name, "h") == 0) {
		if (empty)
			*err = separator(w, "\n");
		else
			w->para_depth++;
	} else if (strcmp(name, "s") == 0 || strcmp(name, "tab") == 0) {
		*err = w->para_depth ? put_text(w, name[0] == 's' ? " " : "\t") : 0;
	} else if (strcmp(name, "line-break") == 0) {
		*err = separator(w, "\n");
	} else if (strcmp(name, "table") == 0 && !empty && counts(w)) {
		if (w->table_depth++ == 0)
			table_rows_init(&w->rows, w->ctx,
					w->spreadsheet ? RULES_PART_SHEET : RULES_PART_TABLE);
	} else if (strcmp(name, "table-row") == 0 && w->table_depth == 1) {
		w->column = -1;
	} else if ((strcmp(name, "table-cell") == 0 || strcmp(name, "covered-table-cell") == 0) &&
		   w->table_depth > 0) {
		long repeat = repeat_of(x, "number-columns-repeated");

		if (w->table_depth > 1) {
			w->space_pending = true;
			return false;
		}
		w->space_pending = false;
		w->column++;
		if (empty) {
			w->column += repeat - 1;
			return false;
		}
		if (numeric_cell(w, x, err)) {
			w->column += repeat - 1;
			return true;
		}
		/*
		 * The cell's text lands in its first column and is written once; its repeats
		 * only move the column of the next cell.
		 */
		w->repeat_pending = repeat - 1;
	}
	return false;
}

static int on_end(struct odf_walk *w, const char *name)
{
	enum rules_part hf = RULES_PART_BODY;

	if (w->styles && is_header_footer(name, &hf) && hf == w->only && w->hf_depth > 0) {
		if (--w->hf_depth == 0)
			return extract_ctx_part(w->ctx, w->part = RULES_PART_BODY);
	} else if ((strcmp(name, "p") == 0 || strcmp(name, "h") == 0) && w->para_depth > 0) {
		w->para_depth--;
		return separator(w, "\n");
	} else if ((strcmp(name, "table-cell") == 0 || strcmp(name, "covered-table-cell") == 0) &&
		   w->table_depth == 1) {
		w->column += w->repeat_pending;
		w->repeat_pending = 0;
	} else if (strcmp(name, "table-row") == 0 && w->table_depth == 1) {
		return table_rows_end_row(&w->rows);
	} else if (strcmp(name, "table") == 0 && w->table_depth > 0) {
		if (--w->table_depth == 0) {
			int err = table_rows_finish(&w->rows);

			return err ? err : extract_ctx_part(w->ctx, w->part);
		}
	}
	return 0;
}

/* Walks content.xml (only = RULES_PART_BODY) or the headers or footers of styles.xml. */
static int walk(struct extract_ctx *ctx, const struct zip_member *m, enum rules_part only)
{
	bool styles = only != RULES_PART_BODY;
	struct odf_walk w = { .ctx = ctx, .styles = styles, .only = only, .part = RULES_PART_BODY };
	struct xml_part x;
	bool more;
	int err;

	err = xml_part_open(&x, ctx, m->name, m->data, m->len);
	if (!err && !styles)
		err = extract_ctx_part(ctx, RULES_PART_BODY);
	more = !err && xml_part_next(&x);
	while (more && !err) {
		const char *name = xml_part_name(&x);

		switch (xml_part_type(&x)) {
		case XML_READER_TYPE_ELEMENT:
			if (on_start(&w, &x, name, xml_part_is_empty(&x), &err)) {
				more = xml_part_skip(&x);
				continue;
			}
			break;
		case XML_READER_TYPE_END_ELEMENT:
			err = on_end(&w, name);
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			if (w.para_depth)
				err = put_text(&w, xml_part_value(&x));
			break;
		default:
			break;
		}
		more = xml_part_next(&x);
	}
	xml_part_close(&x);
	if (w.table_depth) {
		int finish = table_rows_finish(&w.rows);

		err = err ? err : finish;
	} else if (!err && w.para_depth) {
		err = extract_ctx_puts(ctx, "\n");
	}
	return err;
}

static bool is_encrypted(const struct zip_package *pkg)
{
	const struct zip_member *manifest = zip_package_find(pkg, "META-INF/manifest.xml");
	static const char needle[] = "encryption-data";

	return manifest && memmem(manifest->data, manifest->len, needle, sizeof(needle) - 1);
}

int extract_odf(struct extract_ctx *ctx, const struct zip_package *pkg)
{
	const struct zip_member *styles = zip_package_find(pkg, "styles.xml");
	const struct zip_member *content = zip_package_find(pkg, "content.xml");
	int err = 0;

	if (is_encrypted(pkg)) {
		extract_ctx_encrypted(ctx, "password-protected OpenDocument file");
		return 0;
	}
	/* in reading order of a page: header, body, footer */
	if (styles)
		err = walk(ctx, styles, RULES_PART_HEADER);
	if (!err && content && !extract_ctx_stopped(ctx))
		err = walk(ctx, content, RULES_PART_BODY);
	if (!err && styles && !extract_ctx_stopped(ctx))
		err = walk(ctx, styles, RULES_PART_FOOTER);
	return err;
}
