/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HTML (web pages, the HTML part of a mail) through libxml2's HTML parser in SAX mode, fed in
 * bounded chunks: the text of the page without scripts and styles, a line per block element,
 * and tables as RULES_PART_TABLE (one row per line, cells separated by TAB).
 */
#ifndef RAQIB_AGENT_EXTRACT_HTML_H
#define RAQIB_AGENT_EXTRACT_HTML_H

#include <stddef.h>

#include "extract_ctx.h"

int extract_html(struct extract_ctx *ctx, const void *buf, size_t len);

#endif /* RAQIB_AGENT_EXTRACT_HTML_H */
