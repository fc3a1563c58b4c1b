/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Office Open XML (ECMA-376) documents, from their package (zip_doc.c):
 * - DOCX: headers (RULES_PART_HEADER), body, footers (RULES_PART_FOOTER), then footnotes,
 *   endnotes and comments. Runs are concatenated per paragraph (Word splits identifiers
 *   across runs); tables are RULES_PART_TABLE, one row per line, cells separated by TAB.
 * - PPTX: slides in order (text boxes, tables), then speaker notes.
 * - XLSX: one RULES_PART_SHEET per sheet in workbook order, rows as TAB-separated lines,
 *   cells from shared strings, inline strings or numbers (integers without exponent or ".0").
 */
#ifndef RAQIB_AGENT_EXTRACT_OOXML_H
#define RAQIB_AGENT_EXTRACT_OOXML_H

#include "extract_ctx.h"
#include "zip_doc.h"

int extract_docx(struct extract_ctx *ctx, const struct zip_package *pkg);
int extract_pptx(struct extract_ctx *ctx, const struct zip_package *pkg);
int extract_xlsx(struct extract_ctx *ctx, const struct zip_package *pkg);

#endif /* RAQIB_AGENT_EXTRACT_OOXML_H */
