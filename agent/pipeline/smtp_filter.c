// SPDX-License-Identifier: GPL-2.0-only
/*
 * SMTP client-stream filter (see smtp_filter.h). Commands are read a line at a time, only as far
 * as needed to recognise DATA; content is passed through in runs, the end-of-data line found even
 * when TCP splits it across segments.
 */
#include "smtp_filter.h"

#include <strings.h>

static const char end_of_data[] = "\r\n.\r\n";
static const char end_of_headers[] = "\r\n\r\n";

int smtp_filter_feed(struct smtp_filter *f, const uint8_t *in, size_t len, smtp_content_fn out,
		     void *ctx)
{
	size_t i = 0;
	int err = 0;

	while (i < len && !err) {
		if (!f->in_data) {
			uint8_t c = in[i++];

			if (c == '\n') {
				/* "DATA" alone on its line (CR stripped) starts the content */
				while (f->line_len && f->line[f->line_len - 1] == '\r')
					f->line_len--;
				f->in_data = f->line_len == 4 && !strncasecmp(f->line, "DATA", 4);
				/* the content's first line may be the terminator itself, or blank */
				f->end_match = f->in_data ? 2 : 0;
				f->blank_match = f->in_data ? 2 : 0;
				f->in_body = 0;
				f->line_len = 0;
			} else if (f->line_len < sizeof(f->line)) {
				f->line[f->line_len++] = (char)c;
			}
			continue;
		}
		/* content: pass everything up to (and including) the terminator's CR LF */
		size_t start = i;

		while (i < len) {
			uint8_t c = in[i++];

			if (c == (uint8_t)end_of_data[f->end_match]) {
				if (++f->end_match == sizeof(end_of_data) - 1) {
					f->in_data = 0;
					f->end_match = 0;
					break;
				}
			} else {
				f->end_match = c == '\r' ? 1 : 0;
			}
			if (f->in_body)
				continue;
			if (c == (uint8_t)end_of_headers[f->blank_match]) {
				if (++f->blank_match == sizeof(end_of_headers) - 1) {
					f->in_body = 1;
					start = i; /* the body starts after the blank line */
				}
			} else {
				f->blank_match = c == '\r' ? 1 : 0;
			}
		}
		if (f->in_body && i > start)
			err = out(ctx, in + start, i - start);
		if (!f->in_data)
			f->in_body = 0;
	}
	return err;
}
