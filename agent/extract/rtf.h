/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RTF (Rich Text Format 1.9.1): body text, page headers and footers (RULES_PART_HEADER,
 * RULES_PART_FOOTER) and tables (RULES_PART_TABLE, cells separated by TAB), with the code page
 * of the document or of each font (\ansicpg1256, \fcharset178 for Arabic) and \uN characters.
 */
#ifndef RAQIB_AGENT_EXTRACT_RTF_H
#define RAQIB_AGENT_EXTRACT_RTF_H

#include <stddef.h>

#include "extract_ctx.h"

int extract_rtf(struct extract_ctx *ctx, const void *buf, size_t len);

#endif /* RAQIB_AGENT_EXTRACT_RTF_H */
