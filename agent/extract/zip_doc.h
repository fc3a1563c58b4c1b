/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Zip-based documents: a zip is read once with libarchive, keeping in memory only the members
 * that carry text in OOXML (word/, xl/, ppt/) and OpenDocument (content.xml, styles.xml),
 * within the expanded-size and ratio limits. Its member names then say what it is: DOCX
 * (word/document.xml), XLSX (xl/workbook.xml), PPTX (ppt/presentation.xml), OpenDocument
 * (content.xml), or a plain zip archive, extracted member by member (archive.c).
 */
#ifndef RAQIB_AGENT_EXTRACT_ZIP_DOC_H
#define RAQIB_AGENT_EXTRACT_ZIP_DOC_H

#include <stddef.h>

#include "extract_ctx.h"

struct zip_member {
	char *name;
	unsigned char *data; /* owned, wiped when the package is released */
	size_t len;
};

struct zip_package {
	struct zip_member *members; /* the text-bearing members, in archive order */
	size_t n_members;
	size_t cap;
};

/* The member of that exact name, or NULL. */
const struct zip_member *zip_package_find(const struct zip_package *pkg, const char *name);

/*
 * Members whose names start with prefix and end with suffix, sorted by the number between
 * (slide2 before slide10). Fills at most max entries; returns how many matched.
 */
size_t zip_package_numbered(const struct zip_package *pkg, const char *prefix, const char *suffix,
			    const struct zip_member **out, size_t max);

/* The extractor of zip files (see above). */
int extract_zip_doc(struct extract_ctx *ctx, const void *buf, size_t len);

#endif /* RAQIB_AGENT_EXTRACT_ZIP_DOC_H */
