/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Type detection from content (libmagic), never from a file name: a PDF renamed .jpg is a PDF.
 * The MIME type libmagic names is mapped to the extractor that reads it; zip-based documents
 * (OOXML, OpenDocument) are told apart later from their member names (zip_doc.c).
 */
#ifndef RAQIB_AGENT_EXTRACT_DETECT_H
#define RAQIB_AGENT_EXTRACT_DETECT_H

#include <stddef.h>

enum extract_format {
	EXTRACT_FMT_TEXT, /* plain text in some encoding; CSV found by its shape */
	EXTRACT_FMT_HTML,
	EXTRACT_FMT_PDF,
	EXTRACT_FMT_ZIP, /* zip: OOXML, OpenDocument, or a plain archive */
	EXTRACT_FMT_ARCHIVE, /* tar, 7z, gzip, bzip2, xz, rar, cpio, iso... (libarchive) */
	EXTRACT_FMT_RTF,
	EXTRACT_FMT_MAIL, /* RFC 5322 message with MIME parts */
	EXTRACT_FMT_OFFICE_ENCRYPTED, /* CFB container holding an encrypted OOXML package */
	EXTRACT_FMT_NO_TEXT, /* image, audio, video, executable, legacy binary... */
};

/*
 * Detects the format of buf and fills mime with the MIME type libmagic names (for the result
 * and for "not inspected" reasons). Returns 0, or -ENOMEM when libmagic cannot be set up.
 */
int extract_detect(const void *buf, size_t len, enum extract_format *format, char *mime,
		   size_t mime_len);

#endif /* RAQIB_AGENT_EXTRACT_DETECT_H */
