// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text of DOCX and PPTX parts (see ooxml.h). WordprocessingML (w:) and DrawingML (a:) share
 * the shape that matters here: paragraphs p holding runs whose text is in t elements, tab and
 * break elements, tables tbl of rows tr of cells tc. So one walker reads both, by local name:
 * - property elements (every name ending in "Pr": pPr, rPr, tblPr, sectPr, spPr...) and
 *   tab-stop lists hold no text and are skipped whole;
 * - mc:Fallback repeats the content of its mc:Choice for older readers (text boxes, shapes):
 *   skipped, or the text would be counted twice;
 * - w:instrText is field code, not text; w:delText (tracked deletion) is text still in the
 *   file and is kept.
 * Runs of a paragraph are fed back to back, so an identifier Word split across runs reaches
 * the scanner whole; the paragraph ends with a newline. In the outermost table, cells are
 * separated by TAB and rows by newlines; nested tables and paragraphs inside a cell are
 * flattened with spaces, so that every line stays one row.
 */
#include "ooxml.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "xml_part.h"

/* Numbered parts of one kind read at most (header1..headerN, slide1..slideN). */
#define MAX_NUMBERED 4096

struct walker {
	struct extract_ctx *ctx;
	enum rules_part part; /* of the whole XML part: BODY, HEADER or FOOTER */
	unsigned table_depth;
	unsigned cells; /* cells begun in the current row of the outermost table */
	bool in_text; /* inside a t or delText element */
	bool space_pending; /* a break inside a cell: a space before the cell's next text */
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool is_skipped(const char *name)
{
	return has_suffix(name, "Pr") || strcmp(name, "Fallback") == 0 ||
	       strcmp(name, "instrText") == 0 || strcmp(name, "tabs") == 0 ||
	       strcmp(name, "tabLst") == 0 || strcmp(name, "tblGrid") == 0 ||
	       strcmp(name, "lstStyle") == 0;
}

/*
 * A separator: inside a table, a space keeps the row on one line, written only if more text
 * of the cell follows (no trailing spaces in cells).
 */
static int separator(struct walker *w, const char *outside)
{
	if (!w->table_depth)
		return extract_ctx_puts(w->ctx, outside);
	w->space_pending = true;
	return 0;
}

static int on_start(struct walker *w, const char *name, bool empty)
{
	int err = 0;

	if (strcmp(name, "t") == 0 || strcmp(name, "delText") == 0) {
		w->in_text = !empty;
	} else if (strcmp(name, "tab") == 0) {
		err = separator(w, "\t");
	} else if (strcmp(name, "br") == 0 || strcmp(name, "cr") == 0) {
		err = separator(w, "\n");
	} else if (strcmp(name, "noBreakHyphen") == 0) {
		err = extract_ctx_puts(w->ctx, "-");
	} else if (strcmp(name, "p") == 0 && empty) {
		err = separator(w, "\n");
	} else if (strcmp(name, "tbl") == 0 && !empty) {
		if (w->table_depth++ == 0) {
			err = extract_ctx_part(w->ctx, RULES_PART_TABLE);
			w->cells = 0;
		}
	} else if (strcmp(name, "tr") == 0 && w->table_depth == 1) {
		w->cells = 0;
	} else if (strcmp(name, "tc") == 0 && w->table_depth > 0) {
		w->space_pending = w->table_depth > 1;
		if (w->table_depth == 1 && w->cells > 0)
			err = extract_ctx_puts(w->ctx, w->table_depth > 1 ? " " : "\t");
		if (w->table_depth == 1)
			w->cells++;
	}
	return err;
}

static int on_end(struct walker *w, const char *name)
{
	int err = 0;

	if (strcmp(name, "t") == 0 || strcmp(name, "delText") == 0) {
		w->in_text = false;
	} else if (strcmp(name, "p") == 0) {
		err = separator(w, "\n");
	} else if (strcmp(name, "tr") == 0 && w->table_depth > 0) {
		w->space_pending = w->table_depth > 1;
		if (w->table_depth == 1)
			err = extract_ctx_puts(w->ctx, "\n");
	} else if (strcmp(name, "tbl") == 0 && w->table_depth > 0) {
		if (--w->table_depth == 0)
			err = extract_ctx_part(w->ctx, w->part);
	}
	return err;
}

static int on_text(struct walker *w, const char *value)
{
	int err = 0;

	if (!w->in_text || !value || !*value)
		return 0;
	if (w->table_depth) {
		if (w->space_pending)
			err = extract_ctx_puts(w->ctx, " ");
		w->space_pending = false;
		return err ? err : extract_ctx_feed_cell(w->ctx, value, strlen(value));
	}
	return extract_ctx_puts(w->ctx, value);
}

static int walk_part(struct extract_ctx *ctx, const struct zip_member *m, enum rules_part part)
{
	struct walker w = { .ctx = ctx, .part = part };
	struct xml_part x;
	bool more;
	int err;

	err = xml_part_open(&x, ctx, m->name, m->data, m->len);
	if (!err)
		err = extract_ctx_part(ctx, part);
	more = !err && xml_part_next(&x);
	while (more && !err) {
		const char *name = xml_part_name(&x);

		switch (xml_part_type(&x)) {
		case XML_READER_TYPE_ELEMENT:
			if (is_skipped(name) && !xml_part_is_empty(&x)) {
				more = xml_part_skip(&x);
				continue;
			}
			err = on_start(&w, name, xml_part_is_empty(&x));
			break;
		case XML_READER_TYPE_END_ELEMENT:
			err = on_end(&w, name);
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
		case XML_READER_TYPE_CDATA:
			err = on_text(&w, xml_part_value(&x));
			break;
		default:
			break;
		}
		more = xml_part_next(&x);
	}
	xml_part_close(&x);
	/* a part cut in the middle of a paragraph or table must not run into the next one */
	if (!err && (w.table_depth || w.in_text))
		err = extract_ctx_puts(ctx, "\n");
	return err;
}

static int walk_numbered(struct extract_ctx *ctx, const struct zip_package *pkg, const char *prefix,
			 const char *suffix, enum rules_part part)
{
	const struct zip_member *list[MAX_NUMBERED];
	size_t n = zip_package_numbered(pkg, prefix, suffix, list, MAX_NUMBERED);
	int err = 0;

	for (size_t i = 0; i < n && !err && !extract_ctx_stopped(ctx); i++)
		err = walk_part(ctx, list[i], part);
	return err;
}

static int walk_named(struct extract_ctx *ctx, const struct zip_package *pkg, const char *name,
		      enum rules_part part)
{
	const struct zip_member *m = zip_package_find(pkg, name);

	return m && !extract_ctx_stopped(ctx) ? walk_part(ctx, m, part) : 0;
}

int extract_docx(struct extract_ctx *ctx, const struct zip_package *pkg)
{
	int err;

	/* in reading order of a page: header, body, footer; then notes and comments */
	err = walk_numbered(ctx, pkg, "word/header", ".xml", RULES_PART_HEADER);
	if (!err)
		err = walk_named(ctx, pkg, "word/document.xml", RULES_PART_BODY);
	if (!err)
		err = walk_numbered(ctx, pkg, "word/footer", ".xml", RULES_PART_FOOTER);
	if (!err)
		err = walk_named(ctx, pkg, "word/footnotes.xml", RULES_PART_BODY);
	if (!err)
		err = walk_named(ctx, pkg, "word/endnotes.xml", RULES_PART_BODY);
	if (!err)
		err = walk_named(ctx, pkg, "word/comments.xml", RULES_PART_BODY);
	return err;
}

int extract_pptx(struct extract_ctx *ctx, const struct zip_package *pkg)
{
	int err;

	err = walk_numbered(ctx, pkg, "ppt/slides/slide", ".xml", RULES_PART_BODY);
	if (!err)
		err = walk_numbered(ctx, pkg, "ppt/notesSlides/notesSlide", ".xml",
				    RULES_PART_BODY);
	return err;
}
