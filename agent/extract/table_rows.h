/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rows of a spreadsheet or table, assembled before they are fed: cells are placed by column
 * (missing cells keep their TAB, so a column keeps its header), cell text is flattened (no
 * TAB or line break inside a cell), and each row goes out as one line.
 *
 * A spreadsheet often opens with title rows before its header row: a letterhead ("Royaume du
 * Maroc", a ministry), a list title. Rows of at most one cell before the first row of two or
 * more cells, MAX_TITLE_ROWS at most, are fed as body text, where the rules look for
 * letterheads; the part (RULES_PART_SHEET or TABLE) starts at the header row, which is then
 * its first row as the rules expect.
 */
#ifndef RAQIB_AGENT_EXTRACT_TABLE_ROWS_H
#define RAQIB_AGENT_EXTRACT_TABLE_ROWS_H

#include <stdbool.h>

#include "extract_ctx.h"

#define TABLE_MAX_COLUMNS    1024
#define TABLE_MAX_TITLE_ROWS 8

struct table_rows {
	struct extract_ctx *ctx;
	enum rules_part part; /* RULES_PART_SHEET or RULES_PART_TABLE */
	struct text_buf row; /* the current row */
	long tabs; /* TABs in the current row */
	long open; /* column of the cell being written, -1 before the row's first */
	unsigned cells; /* cells of the current row with text */
	unsigned title_rows; /* rows fed as body text so far */
	bool started; /* the part was announced */
};

void table_rows_init(struct table_rows *t, struct extract_ctx *ctx, enum rules_part part);

/*
 * Adds text to the cell of the current row at column (0-based), after what that cell holds:
 * text for an earlier column than the last one written, or past TABLE_MAX_COLUMNS, is
 * dropped. Returns 0 or -ENOMEM.
 */
int table_rows_text(struct table_rows *t, long column, const char *text, size_t len);

/* Ends the current row: feeds it (nothing for an empty row). Returns 0 or the sink's error. */
int table_rows_end_row(struct table_rows *t);

/* Ends the table (feeding a row left open) and wipes the buffer. Returns 0 or an error. */
int table_rows_finish(struct table_rows *t);

#endif /* RAQIB_AGENT_EXTRACT_TABLE_ROWS_H */
