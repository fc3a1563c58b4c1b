/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Plain text in the encodings Moroccan administrations produce: UTF-8 (with or without BOM),
 * UTF-16 (BOM or not), Windows-1256 and ISO-8859-6 for Arabic, Latin-1/Windows-1252 for French.
 * The encoding is detected (BOM, then UTF-8 validity, then the plausibility of each single-byte
 * reading) and converted to UTF-8 with iconv. CSV-shaped text goes on as a table (csv.c).
 */
#ifndef RAQIB_AGENT_EXTRACT_TEXT_H
#define RAQIB_AGENT_EXTRACT_TEXT_H

#include <stddef.h>

#include "extract_ctx.h"

/* Receives decoded UTF-8. Returns 0 or a negative errno that stops the decoding. */
typedef int (*text_chunk_fn)(void *arg, const char *utf8, size_t len);

/*
 * The iconv name of the encoding of buf ("UTF-8", "UTF-16LE", "CP1256"...), judged on its
 * first bytes; *bom_len is set to the length of a byte-order mark to skip.
 */
const char *text_detect_charset(const void *buf, size_t len, size_t *bom_len);

/*
 * Decodes buf from charset to UTF-8 and hands it to fn in chunks that end on character
 * boundaries. Invalid or truncated sequences become U+FFFD and are counted in *invalid.
 * Returns 0, -EINVAL for a charset iconv does not know, -ENOMEM, or fn's error.
 */
int text_decode(const char *charset, const void *buf, size_t len, text_chunk_fn fn, void *arg,
		size_t *invalid);

/*
 * True when buf looks like UTF-16 without a byte-order mark (one byte of each pair is the high
 * byte of Latin or Arabic text); *little_endian says which.
 */
bool text_looks_like_utf16(const unsigned char *buf, size_t len, bool *little_endian);

/*
 * Decodes buf (the first bytes of a text) from charset into a new UTF-8 buffer of len * 3 + 4
 * bytes, which the caller wipes and frees with extract_wipe_free(). *out_len is set to the
 * bytes decoded. NULL + errno on failure (EINVAL: unknown charset, ENOMEM).
 */
char *text_decode_sample(const char *charset, const void *buf, size_t len, size_t *out_len,
			 size_t *invalid);

/* True when buf is valid UTF-8 (a sequence cut by the end of buf counts as valid). */
bool text_is_utf8(const unsigned char *buf, size_t len);

/* The extractor of plain text and CSV: detects, decodes and feeds. */
int extract_text(struct extract_ctx *ctx, const void *buf, size_t len);

/* Feeds buf, in charset (NULL: detect), as UTF-8 (text parts of mail, RTF runs...). */
int extract_text_charset(struct extract_ctx *ctx, const void *buf, size_t len, const char *charset);

#endif /* RAQIB_AGENT_EXTRACT_TEXT_H */
