/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Plain-text decoding: detects the encoding of a text from its first bytes (byte-order mark,
 * UTF-8 validity, UTF-16 without a mark, the Arabic Windows code page CP1256 or Latin-1/CP1252
 * for 8-bit text) and converts it to UTF-8 with iconv, chunk by chunk.
 */
#ifndef RAQIB_AGENT_TEXT_DECODE_H
#define RAQIB_AGENT_TEXT_DECODE_H

#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raqib/rules.h"

struct text_decoder {
	char encoding[16]; /* "UTF-8", "UTF-16LE", "CP1256"... */
	bool passthrough; /* UTF-8: fed as is */
	iconv_t cd;
	uint8_t pending[8]; /* a character cut by the chunk border */
	size_t pending_len;
	size_t skip; /* bytes of byte-order mark still to drop */
};

/*
 * Chooses the encoding from head[0..len) (the first bytes of the text). Returns 0, or -ENOMEM /
 * -errno from iconv_open().
 */
int text_decoder_init(struct text_decoder *d, const uint8_t *head, size_t len);

/* Converts in[0..len) and feeds the UTF-8 to scan. Returns 0 or a negative errno. */
int text_decoder_feed(struct text_decoder *d, const uint8_t *in, size_t len,
		      struct rules_scan *scan, uint64_t *text_bytes);

void text_decoder_release(struct text_decoder *d);

/* Detection alone, for tests: the encoding name text_decoder_init() would choose. */
const char *text_detect_encoding(const uint8_t *head, size_t len, size_t *bom_len);

#endif /* RAQIB_AGENT_TEXT_DECODE_H */
