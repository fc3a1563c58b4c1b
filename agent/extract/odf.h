/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * OpenDocument (ODF 1.2, ISO/IEC 26300) text, spreadsheet and presentation documents, from
 * their package (zip_doc.c): page headers and footers of styles.xml as RULES_PART_HEADER and
 * RULES_PART_FOOTER, the body of content.xml with its tables (RULES_PART_TABLE, or one
 * RULES_PART_SHEET per sheet of a spreadsheet). A package whose manifest lists encryption data
 * is reported as encrypted.
 */
#ifndef RAQIB_AGENT_EXTRACT_ODF_H
#define RAQIB_AGENT_EXTRACT_ODF_H

#include "extract_ctx.h"
#include "zip_doc.h"

int extract_odf(struct extract_ctx *ctx, const struct zip_package *pkg);

#endif /* RAQIB_AGENT_EXTRACT_ODF_H */
