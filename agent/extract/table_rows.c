// SPDX-License-Identifier: GPL-2.0-only
/*
 * Row assembly of spreadsheets and tables (see table_rows.h).
 */
#include "table_rows.h"

#include <string.h>

void table_rows_init(struct table_rows *t, struct extract_ctx *ctx, enum rules_part part)
{
	memset(t, 0, sizeof(*t));
	t->ctx = ctx;
	t->part = part;
	t->open = -1;
}

int table_rows_text(struct table_rows *t, long column, const char *text, size_t len)
{
	int err = 0;

	if (len == 0 || column < 0 || column >= TABLE_MAX_COLUMNS || column < t->open)
		return 0;
	if (column > t->open) {
		/* a new cell: bring the row to its column */
		for (; t->tabs < column && !err; t->tabs++)
			err = text_buf_append(&t->row, "\t", 1);
		t->open = column;
		t->cells++;
	}
	if (!err)
		err = text_buf_append(&t->row, text, len);
	for (size_t i = t->row.len - len; !err && i < t->row.len; i++)
		if (t->row.data[i] == '\t' || t->row.data[i] == '\r' || t->row.data[i] == '\n')
			t->row.data[i] = ' ';
	return err;
}

int table_rows_end_row(struct table_rows *t)
{
	int err = 0;

	if (t->cells == 0)
		goto out;
	if (!t->started && t->part == RULES_PART_SHEET && t->cells <= 1 &&
	    t->title_rows < TABLE_MAX_TITLE_ROWS) {
		if (t->title_rows++ == 0)
			err = extract_ctx_part(t->ctx, RULES_PART_BODY);
	} else if (!t->started) {
		t->started = true;
		err = extract_ctx_part(t->ctx, t->part);
	}
	if (!err)
		err = extract_ctx_feed(t->ctx, t->row.data, t->row.len);
	if (!err)
		err = extract_ctx_feed(t->ctx, "\n", 1);
out:
	if (t->row.data)
		explicit_bzero(t->row.data, t->row.len);
	t->row.len = 0;
	t->tabs = 0;
	t->open = -1;
	t->cells = 0;
	return err;
}

int table_rows_finish(struct table_rows *t)
{
	int err = table_rows_end_row(t);

	text_buf_release(&t->row);
	return err;
}
