// SPDX-License-Identifier: GPL-2.0-only
/*
 * Plain-text decoding (see text_decode.h). Administrations still produce CP1256 (Arabic Windows)
 * text and CSV, and Windows tools write UTF-16 with a byte-order mark
 * (../shared/spec/moroccan-pii.md section 1.7); everything leaves here as UTF-8.
 */
#include "text_decode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define OUT_CHUNK 16384

/* Length of a valid UTF-8 prefix of s, stopping at a sequence cut by the end. */
static bool is_utf8(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		}
		n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		if (!n)
			return false;
		for (size_t k = 1; k < n; k++) {
			if (i + k >= len)
				return true; /* cut by the end of the sample: not an error */
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		}
		i += n;
	}
	return true;
}

const char *text_detect_encoding(const uint8_t *s, size_t len, size_t *bom_len)
{
	size_t zero_even = 0, zero_odd = 0, arabic = 0, high = 0;

	*bom_len = 0;
	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
		*bom_len = 3;
		return "UTF-8";
	}
	if (len >= 2 && s[0] == 0xff && s[1] == 0xfe) {
		*bom_len = 2;
		return "UTF-16LE";
	}
	if (len >= 2 && s[0] == 0xfe && s[1] == 0xff) {
		*bom_len = 2;
		return "UTF-16BE";
	}
	for (size_t i = 0; i < len; i++) {
		if (!s[i])
			*(i % 2 ? &zero_odd : &zero_even) += 1;
		if (s[i] >= 0x80)
			high++;
		/* CP1256 puts most Arabic letters at 0xC1-0xDF, which Latin text rarely uses */
		if (s[i] >= 0xc1 && s[i] <= 0xdf && s[i] != 0xd7)
			arabic++;
	}
	/* ASCII-range text in UTF-16 without a mark: one byte of each pair is zero */
	if (len >= 16 && zero_odd * 3 > len)
		return "UTF-16LE";
	if (len >= 16 && zero_even * 3 > len)
		return "UTF-16BE";
	if (is_utf8(s, len))
		return "UTF-8";
	return arabic * 5 > high ? "CP1256" : "CP1252";
}

int text_decoder_init(struct text_decoder *d, const uint8_t *head, size_t len)
{
	const char *enc = text_detect_encoding(head, len, &d->skip);

	memset(d->pending, 0, sizeof(d->pending));
	d->pending_len = 0;
	snprintf(d->encoding, sizeof(d->encoding), "%s", enc);
	d->passthrough = strcmp(enc, "UTF-8") == 0;
	d->cd = (iconv_t)-1;
	if (d->passthrough)
		return 0;
	d->cd = iconv_open("UTF-8", enc);
	return d->cd == (iconv_t)-1 ? -errno : 0;
}

void text_decoder_release(struct text_decoder *d)
{
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
	d->cd = (iconv_t)-1;
}

static int convert(struct text_decoder *d, const uint8_t *in, size_t len, struct rules_scan *scan,
		   uint64_t *text_bytes)
{
	char out[OUT_CHUNK];
	char *ip = (char *)in;
	size_t left = len;
	int err = 0;

	while (left && !err) {
		char *op = out;
		size_t room = sizeof(out);
		size_t rc = iconv(d->cd, &ip, &left, &op, &room);

		if (op > out) {
			err = rules_scan_feed(scan, out, (size_t)(op - out));
			*text_bytes += (size_t)(op - out);
		}
		if (rc != (size_t)-1 || errno == E2BIG)
			continue;
		if (errno == EINVAL) {
			/* a character cut by the chunk border: wait for its end */
			if (left > sizeof(d->pending))
				left = sizeof(d->pending);
			memcpy(d->pending, ip, left);
			d->pending_len = left;
			break;
		}
		/* an invalid sequence: replace one byte with U+FFFD and go on */
		err = rules_scan_feed(scan, "\xef\xbf\xbd", 3);
		ip++;
		left--;
	}
	explicit_bzero(out, sizeof(out));
	return err;
}

int text_decoder_feed(struct text_decoder *d, const uint8_t *in, size_t len,
		      struct rules_scan *scan, uint64_t *text_bytes)
{
	size_t drop = d->skip < len ? d->skip : len;
	int err = 0;

	d->skip -= drop;
	in += drop;
	len -= drop;
	if (!len)
		return 0;
	if (d->passthrough) {
		*text_bytes += len;
		return rules_scan_feed(scan, in, len);
	}
	if (d->pending_len) {
		/* complete the cut character with the first bytes of this chunk */
		uint8_t joined[16];
		size_t take = len < sizeof(joined) - d->pending_len ? len
								    : sizeof(joined) - d->pending_len;
		size_t had = d->pending_len;

		memcpy(joined, d->pending, had);
		memcpy(joined + had, in, take);
		d->pending_len = 0;
		err = convert(d, joined, had + take, scan, text_bytes);
		if (err)
			return err;
		/* what convert() kept pending came from joined; the rest of in follows it */
		if (d->pending_len) {
			size_t used = had + take - d->pending_len;

			if (used < had)
				return 0; /* not even the old bytes converted: wait for more */
			in += used - had;
			len -= used - had;
			d->pending_len = 0;
		} else {
			in += take;
			len -= take;
		}
	}
	return convert(d, in, len, scan, text_bytes);
}
