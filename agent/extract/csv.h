/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CSV: text whose first lines all hold the same number of one delimiter (, ; TAB |) outside
 * quotes is a table, after at most a few title lines. It is parsed with libcsv (RFC 4180
 * quoting) and fed as a RULES_PART_TABLE (title lines before it as body text): one row per
 * line, cells separated by TAB, the first row holding the column headers.
 */
#ifndef RAQIB_AGENT_EXTRACT_CSV_H
#define RAQIB_AGENT_EXTRACT_CSV_H

#include <stddef.h>

#include "extract_ctx.h"

struct csv_table;

/*
 * Judges the shape of the text buf (in charset, without its byte-order mark). Sets *table to
 * a new converter when it is CSV, to NULL when it is not. Returns 0 or -ENOMEM.
 */
int csv_table_detect(struct extract_ctx *ctx, const char *charset, const char *buf, size_t len,
		     struct csv_table **table);

/* text_chunk_fn: parses the next UTF-8 chunk, feeding each complete row. */
int csv_table_feed(void *table, const char *utf8, size_t len);

/* Feeds the last row. Returns 0 or the sink's error. */
int csv_table_finish(struct csv_table *table);

/* Wipes and frees; accepts NULL. */
void csv_table_free(struct csv_table *table);

#endif /* RAQIB_AGENT_EXTRACT_CSV_H */
