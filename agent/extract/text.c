// SPDX-License-Identifier: GPL-2.0-only
/*
 * Encodings of plain text (see text.h). Detection, in order: a byte-order mark; UTF-16 without
 * one (every other byte zero); valid UTF-8; otherwise the single-byte encoding whose reading
 * is the most plausible. Arabic text in ISO-8859-6 read as Windows-1256 (or the reverse)
 * comes out as words mixing Arabic and Latin letters, and Arabic read as Latin-1 as words of
 * accented letters only; the reading with the fewest such words wins. Conversion is glibc's
 * iconv, in bounded chunks.
 */
#include "text.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Bytes of the input judged by the detection. */
#define SAMPLE_BYTES (16u * 1024)
/* Output chunk of the conversion: what one call to the chunk function receives at most. */
#define CHUNK_BYTES (64u * 1024)

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

bool text_is_utf8(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len)
				return true; /* cut by the end of the sample */
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Decodes one UTF-8 sequence of a buffer iconv produced (so valid); returns its length. */
static size_t utf8_next(const unsigned char *p, size_t len, uint32_t *cp)
{
	size_t n = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;

	if (n > len) {
		*cp = 0xfffd;
		return len;
	}
	*cp = n == 1 ? p[0] : p[0] & (0xff >> (n + 1));
	for (size_t k = 1; k < n; k++)
		*cp = *cp << 6 | (p[k] & 0x3f);
	return n;
}

static bool is_arabic_letter(uint32_t cp)
{
	return (cp >= 0x0620 && cp <= 0x064a) || (cp >= 0x066e && cp <= 0x06d3) ||
	       (cp >= 0xfb50 && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfefc);
}

static bool is_latin_letter(uint32_t cp)
{
	return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
	       (cp >= 0xc0 && cp <= 0x24f && cp != 0xd7 && cp != 0xf7);
}

struct sample {
	char *buf;
	size_t len, cap;
};

static int sample_append(void *arg, const char *utf8, size_t len)
{
	struct sample *s = arg;
	size_t room = s->cap - s->len;

	if (len > room)
		len = room;
	memcpy(s->buf + s->len, utf8, len);
	s->len += len;
	return s->len == s->cap ? -ECANCELED : 0;
}

char *text_decode_sample(const char *charset, const void *buf, size_t len, size_t *out_len,
			 size_t *invalid)
{
	/* UTF-8 takes at most 3 bytes per byte of a single-byte or UTF-16 encoding */
	struct sample s = { .cap = len * 3 + 4 };
	int err;

	*out_len = 0;
	s.buf = malloc(s.cap);
	if (!s.buf)
		return NULL;
	err = text_decode(charset, buf, len, sample_append, &s, invalid);
	if (err && err != -ECANCELED) {
		extract_wipe_free(s.buf, s.cap);
		errno = -err;
		return NULL;
	}
	*out_len = s.len;
	return s.buf;
}

/*
 * How implausible a single-byte reading is: 10 per word mixing Arabic and Latin letters,
 * 10 per word of two or more non-ASCII Latin letters and no ASCII letter, 100 per byte the
 * encoding does not define.
 */
static unsigned long implausibility(const char *charset, const unsigned char *buf, size_t len)
{
	size_t invalid = 0, i = 0, n;
	char *text = text_decode_sample(charset, buf, len, &n, &invalid);
	unsigned long score = 0;
	bool arabic = false, ascii = false;
	unsigned accented = 0;

	if (!text)
		return ~0ul;
	score += invalid * 100;
	while (i <= n) {
		uint32_t cp = ' ';

		if (i < n)
			i += utf8_next((const unsigned char *)text + i, n - i, &cp);
		else
			i++;
		if (is_arabic_letter(cp)) {
			arabic = true;
			continue;
		}
		if (is_latin_letter(cp)) {
			if (cp < 0x80)
				ascii = true;
			else
				accented++;
			continue;
		}
		/* end of a word */
		if (arabic && (ascii || accented))
			score += 10;
		else if (!arabic && !ascii && accented >= 2)
			score += 10;
		arabic = false;
		ascii = false;
		accented = 0;
	}
	extract_wipe_free(text, len * 3 + 4);
	return score;
}

static const char *single_byte_charset(const unsigned char *buf, size_t len)
{
	/* in order of preference when readings are equally plausible */
	static const char *const candidates[] = { "CP1256", "ISO-8859-6", "CP1252" };
	const char *best = "CP1252";
	unsigned long best_score = ~0ul;

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		unsigned long score = implausibility(candidates[i], buf, len);

		if (score < best_score) {
			best_score = score;
			best = candidates[i];
		}
	}
	return best;
}

bool text_looks_like_utf16(const unsigned char *p, size_t len, bool *little_endian)
{
	size_t n = (len < SAMPLE_BYTES ? len : SAMPLE_BYTES) & ~(size_t)1, high_odd = 0,
	       high_even = 0;

	if (n < 4)
		return false;
	/*
	 * The high byte of UTF-16 text in the scripts that matter here is 0x00 (ASCII, Latin-1)
	 * or 0x06 (Arabic): when one byte of each pair nearly always is, the text is UTF-16.
	 */
	for (size_t i = 0; i < n; i += 2) {
		high_even += p[i] == 0 || p[i] == 0x06;
		high_odd += p[i + 1] == 0 || p[i + 1] == 0x06;
	}
	*little_endian = high_odd > high_even;
	return (high_odd > high_even ? high_odd : high_even) * 10 >= n / 2 * 8 &&
	       memchr(p, 0, n) != NULL;
}

const char *text_detect_charset(const void *buf, size_t len, size_t *bom_len)
{
	const unsigned char *p = buf;
	size_t n = len < SAMPLE_BYTES ? len : SAMPLE_BYTES;
	bool le;

	*bom_len = 0;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		*bom_len = 3;
		return "UTF-8";
	}
	if (len >= 4 && p[0] == 0xff && p[1] == 0xfe && p[2] == 0 && p[3] == 0) {
		*bom_len = 4;
		return "UTF-32LE";
	}
	if (len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xfe && p[3] == 0xff) {
		*bom_len = 4;
		return "UTF-32BE";
	}
	if (len >= 2 && p[0] == 0xff && p[1] == 0xfe) {
		*bom_len = 2;
		return "UTF-16LE";
	}
	if (len >= 2 && p[0] == 0xfe && p[1] == 0xff) {
		*bom_len = 2;
		return "UTF-16BE";
	}
	if (text_looks_like_utf16(p, n, &le))
		return le ? "UTF-16LE" : "UTF-16BE";
	if (text_is_utf8(p, n))
		return "UTF-8";
	return single_byte_charset(p, n);
}

/* Width of the unit to skip past an invalid sequence. */
static size_t unit_bytes(const char *charset)
{
	if (strncmp(charset, "UTF-16", 6) == 0)
		return 2;
	if (strncmp(charset, "UTF-32", 6) == 0)
		return 4;
	return 1;
}

int text_decode(const char *charset, const void *buf, size_t len, text_chunk_fn fn, void *arg,
		size_t *invalid)
{
	size_t unit = unit_bytes(charset), in_left = len;
	char *in = (char *)buf, *out_buf, *out;
	size_t out_left;
	iconv_t cd;
	int err = 0;

	*invalid = 0;
	if (strcmp(charset, "UTF-8") == 0) {
		/* already UTF-8: handed on as is, in chunks */
		for (size_t off = 0; off < len && !err; off += CHUNK_BYTES)
			err = fn(arg, (const char *)buf + off,
				 len - off < CHUNK_BYTES ? len - off : CHUNK_BYTES);
		return err;
	}
	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return -EINVAL;
	out_buf = malloc(CHUNK_BYTES);
	if (!out_buf) {
		iconv_close(cd);
		return -ENOMEM;
	}
	out = out_buf;
	out_left = CHUNK_BYTES;
	while (in_left > 0 && !err) {
		size_t r = iconv(cd, &in, &in_left, &out, &out_left);

		if (r != (size_t)-1 || errno == E2BIG) {
			err = fn(arg, out_buf, CHUNK_BYTES - out_left);
			out = out_buf;
			out_left = CHUNK_BYTES;
			continue;
		}
		/* EILSEQ, or EINVAL: a sequence cut by the end of the input */
		(*invalid)++;
		if (out_left < sizeof(replacement)) {
			err = fn(arg, out_buf, CHUNK_BYTES - out_left);
			out = out_buf;
			out_left = CHUNK_BYTES;
		}
		memcpy(out, replacement, sizeof(replacement) - 1);
		out += sizeof(replacement) - 1;
		out_left -= sizeof(replacement) - 1;
		r = in_left < unit ? in_left : unit;
		in += r;
		in_left -= r;
	}
	if (!err && out_left < CHUNK_BYTES)
		err = fn(arg, out_buf, CHUNK_BYTES - out_left);
	extract_wipe_free(out_buf, CHUNK_BYTES);
	iconv_close(cd);
	return err;
}

static int feed_chunk(void *arg, const char *utf8, size_t len)
{
	struct extract_ctx *ctx = arg;

	if (extract_ctx_stopped(ctx))
		return -ECANCELED;
	return extract_ctx_feed(ctx, utf8, len);
}

int extract_text_charset(struct extract_ctx *ctx, const void *buf, size_t len, const char *charset)
{
	size_t bom = 0, invalid = 0;
	int err;

	if (!charset)
		charset = text_detect_charset(buf, len, &bom);
	err = text_decode(charset, (const char *)buf + bom, len - bom, feed_chunk, ctx, &invalid);
	if (err == -EINVAL) /* a charset iconv does not know (mail, RTF): take the bytes as is */
		err = text_decode("UTF-8", buf, len, feed_chunk, ctx, &invalid);
	if (err == -ECANCELED)
		err = 0;
	if (invalid)
		extract_ctx_damaged(ctx, "%zu invalid %s sequences replaced", invalid, charset);
	return err;
}

int extract_text(struct extract_ctx *ctx, const void *buf, size_t len)
{
	size_t bom = 0, invalid = 0;
	const char *charset = text_detect_charset(buf, len, &bom);
	struct csv_table *table = NULL;
	int err;

	err = csv_table_detect(ctx, charset, (const char *)buf + bom, len - bom, &table);
	if (err)
		return err;
	if (!table)
		return extract_text_charset(ctx, (const char *)buf + bom, len - bom, charset);
	err = text_decode(charset, (const char *)buf + bom, len - bom, csv_table_feed, table,
			  &invalid);
	if (!err || err == -ECANCELED)
		err = csv_table_finish(table);
	csv_table_free(table);
	if (invalid)
		extract_ctx_damaged(ctx, "%zu invalid %s sequences replaced", invalid, charset);
	return err;
}
