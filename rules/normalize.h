/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Streaming text normaliser (../shared/spec/moroccan-pii.md section 1): UTF-8 in, normalised
 * UTF-8 out, chunk by chunk. Detectors, context words and markers all run on its output, and
 * the pack compiler passes every keyword through it too, so both sides fold the same way.
 * Case is kept (keywords are matched case-insensitively; CIN letters are upper case).
 *
 * Line breaks: CR, LF, form feed, vertical tab and U+2028/2029 become LF. Other control
 * characters become spaces. Invalid UTF-8 becomes U+FFFD.
 */
#ifndef RAQIB_RULES_NORMALIZE_H
#define RAQIB_RULES_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "normalize_table.h"

struct normalizer {
	uint8_t carry[4]; /* bytes of a code point cut by the chunk border */
	uint8_t carry_len;
};

/* Output room needed for len input bytes (with a carried partial code point). */
#define NORMALIZE_OUT_MAX(len) (((size_t)(len) + 4) * NORM_MAX_REPLACEMENT_BOUND)

/* Starts a new stream. */
void normalizer_init(struct normalizer *n);

/*
 * Normalises in[0..len) into out, which holds at least NORMALIZE_OUT_MAX(len) bytes. A code
 * point cut at the end is kept for the next call. Returns the bytes written.
 */
size_t normalizer_feed(struct normalizer *n, const uint8_t *in, size_t len, uint8_t *out);

/* Ends the stream: a dangling partial code point becomes U+FFFD. Returns the bytes written. */
size_t normalizer_flush(struct normalizer *n, uint8_t *out);

/*
 * Normalises a whole string (a keyword of a pack) into out (NUL-terminated). Returns the length,
 * or -1 when out is too small.
 */
long normalize_string(const char *in, char *out, size_t out_len);

#endif /* RAQIB_RULES_NORMALIZE_H */
