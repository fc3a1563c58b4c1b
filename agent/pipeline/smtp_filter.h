/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SMTP client-stream filter: keeps only message content — the body of what follows a DATA
 * command, up to the line holding a single dot (RFC 5321 section 4.1.1.4), after the message's
 * header section (RFC 5322 section 2.1) — so that the envelope and the headers (MAIL FROM,
 * RCPT TO, To:, Cc: every recipient's address) are never taken for the content of an upload.
 */
#ifndef RAQIB_AGENT_SMTP_FILTER_H
#define RAQIB_AGENT_SMTP_FILTER_H

#include <stddef.h>
#include <stdint.h>

struct smtp_filter {
	uint8_t in_data; /* between DATA and the final dot */
	uint8_t in_body; /* past the blank line that ends the message's headers */
	uint8_t blank_match; /* bytes of "\r\n\r\n" matched so far (end of headers) */
	uint8_t end_match; /* bytes of "\r\n.\r\n" matched so far */
	uint8_t line_len;
	char line[8]; /* start of the current command line */
};

/* Receives message content; returns 0 to go on. */
typedef int (*smtp_content_fn)(void *ctx, const uint8_t *data, size_t len);

/* Passes the content parts of in[0..len) to out. Returns 0 or what out returned. */
int smtp_filter_feed(struct smtp_filter *f, const uint8_t *in, size_t len, smtp_content_fn out,
		     void *ctx);

#endif /* RAQIB_AGENT_SMTP_FILTER_H */
