// SPDX-License-Identifier: GPL-2.0-only
/*
 * Streaming normaliser (see normalize.h). Printable ASCII, the bulk of most documents, is copied
 * in runs; every other code point costs one lookup in the table generated from ICU at build time
 * (normalize_table.c). Nothing here allocates.
 */
#include "normalize.h"

#include <stdbool.h>
#include <string.h>

static const uint8_t replacement_char[3] = { 0xef, 0xbf, 0xbd };

/* 1: a byte copied as is (printable ASCII, tab, LF). */
static const uint8_t plain[256] = {
	['\t'] = 1, ['\n'] = 1,
	[0x20] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x30] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x40] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x60] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x70] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

void normalizer_init(struct normalizer *n)
{
	memset(n, 0, sizeof(*n));
}

/* Length of the UTF-8 sequence a lead byte announces; 0 for a byte that cannot lead one. */
static unsigned seq_len(uint8_t b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

/* Decodes a complete sequence of n bytes; -1 when it is not valid UTF-8 (RFC 3629). */
static int32_t decode(const uint8_t *s, unsigned n)
{
	int32_t c;

	switch (n) {
	case 2:
		if ((s[1] & 0xc0) != 0x80)
			return -1;
		return (int32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	case 3:
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return -1;
		c = (int32_t)(s[0] & 0x0f) << 12 | (int32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))
			return -1;
		return c;
	case 4:
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return -1;
		c = (int32_t)(s[0] & 0x07) << 18 | (int32_t)(s[1] & 0x3f) << 12 |
		    (int32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		if (c < 0x10000 || c > 0x10ffff)
			return -1;
		return c;
	default:
		return -1;
	}
}

/* Emits what the code point c, encoded as s[0..n), becomes. */
static size_t emit(int32_t c, const uint8_t *s, unsigned n, uint8_t *out)
{
	uint32_t idx;

	if (c >= 0x10000) {
		memcpy(out, s, n);
		return n;
	}
	idx = norm_index[c];
	if (!idx) {
		memcpy(out, s, n);
		return n;
	}
	memcpy(out, norm_pool + idx, norm_pool[idx - 1]);
	return norm_pool[idx - 1];
}

/* An ASCII byte that is not plain: CR, FF, VT end lines; other controls become spaces. */
static uint8_t ascii_special(uint8_t b)
{
	return b == '\r' || b == '\f' || b == '\v' ? '\n' : ' ';
}

size_t normalizer_feed(struct normalizer *n, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0, keep = 0; /* in[keep..i) is unchanged text not copied yet */

	/* finish a code point the previous chunk cut */
	while (n->carry_len && i < len) {
		unsigned need = seq_len(n->carry[0]);

		if ((in[i] & 0xc0) != 0x80) {
			memcpy(out + o, replacement_char, 3);
			o += 3;
			n->carry_len = 0;
			break;
		}
		n->carry[n->carry_len++] = in[i++];
		if (n->carry_len == need) {
			int32_t c = decode(n->carry, need);

			if (c < 0) {
				memcpy(out + o, replacement_char, 3);
				o += 3;
			} else {
				o += emit(c, n->carry, need, out + o);
			}
			n->carry_len = 0;
		}
	}
	keep = i;
	/*
	 * Most bytes stay as they are (ASCII, and letters the table leaves alone): they are copied in
	 * runs, and only what changes is emitted on its own.
	 */
	while (i < len) {
		uint8_t b = in[i];
		unsigned sl;
		int32_t c;

		if (plain[b]) {
			i++;
			continue;
		}
		if (b < 0x80) {
			memcpy(out + o, in + keep, i - keep);
			o += i - keep;
			out[o++] = ascii_special(b);
			keep = ++i;
			continue;
		}
		/* two-byte sequences (Arabic, Latin accents): decoded inline, the common case */
		if (b >= 0xc2 && b <= 0xdf && i + 1 < len && (in[i + 1] & 0xc0) == 0x80) {
			c = (int32_t)(b & 0x1f) << 6 | (in[i + 1] & 0x3f);
			sl = 2;
			if (!norm_index[c]) {
				i += 2;
				continue;
			}
			goto changed;
		}
		sl = seq_len(b);
		if (sl && i + sl > len) {
			/* cut by the chunk border: keep it, unless it is already invalid */
			bool ok = true;

			for (size_t k = i + 1; k < len; k++)
				ok = ok && (in[k] & 0xc0) == 0x80;
			if (ok) {
				memcpy(out + o, in + keep, i - keep);
				o += i - keep;
				memcpy(n->carry, in + i, len - i);
				n->carry_len = (uint8_t)(len - i);
				return o;
			}
		}
		c = sl && i + sl <= len ? decode(in + i, sl) : -1;
		if (c >= 0 && (c >= 0x10000 || !norm_index[c])) {
			i += sl; /* unchanged: part of the run */
			continue;
		}
changed:
		memcpy(out + o, in + keep, i - keep);
		o += i - keep;
		if (c < 0) {
			memcpy(out + o, replacement_char, 3);
			o += 3;
			i++;
		} else {
			uint32_t idx = norm_index[c];

			memcpy(out + o, norm_pool + idx, norm_pool[idx - 1]);
			o += norm_pool[idx - 1];
			i += sl;
		}
		keep = i;
	}
	memcpy(out + o, in + keep, i - keep);
	return o + (i - keep);
}

size_t normalizer_flush(struct normalizer *n, uint8_t *out)
{
	if (!n->carry_len)
		return 0;
	n->carry_len = 0;
	memcpy(out, replacement_char, 3);
	return 3;
}

long normalize_string(const char *in, char *out, size_t out_len)
{
	uint8_t piece[NORMALIZE_OUT_MAX(64)];
	struct normalizer n;
	size_t len = strlen(in), o = 0;

	normalizer_init(&n);
	/* small slices, so the worst-case expansion of one slice fits the stack buffer */
	for (size_t i = 0; i <= len; i += 64) {
		size_t take = len - i < 64 ? len - i : 64;
		size_t got = take ? normalizer_feed(&n, (const uint8_t *)in + i, take, piece)
				  : normalizer_flush(&n, piece);

		if (o + got + 1 > out_len)
			return -1;
		memcpy(out + o, piece, got);
		o += got;
		if (!take)
			break;
		if (i + take == len) {
			got = normalizer_flush(&n, piece);
			if (o + got + 1 > out_len)
				return -1;
			memcpy(out + o, piece, got);
			o += got;
			break;
		}
	}
	out[o] = '\0';
	return (long)o;
}
