/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What an SMTP client sends as mail (RFC 5321): the content of each DATA (up to the line with a
 * single dot, dot-stuffing undone, section 4.5.2) and of each BDAT chunk sequence (RFC 3030)
 * becomes one object for text extraction, which parses the MIME structure (base64 and
 * quoted-printable attachments). The envelope (MAIL FROM, RCPT TO) and the addressing headers
 * (From, To, Cc, Received...) are metadata, not the content that leaves: only the top-level
 * MIME headers (MIME-Version, Content-*) are kept in front of the body. The object is named
 * after the mail's first attachment. STARTTLS ends inspection: the rest is encrypted.
 */
#ifndef RAQIB_AGENT_SMTP_UPLOAD_H
#define RAQIB_AGENT_SMTP_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "upload_sink.h"

#define SMTP_LINE_MAX	 1024 /* RFC 5321 section 4.5.3.1.6: 1000 octets per text line */
#define SMTP_HEADERS_MAX 16384 /* top-level header section kept per mail */
#define SMTP_DOMAINS_MAX 16 /* distinct recipient domains kept per mail */
#define SMTP_DOMAIN_MAX	 256 /* RFC 5321 section 4.5.3.1.2: 255 octets per domain */

struct smtp_upload {
	const struct upload_sink *sink;
	uint8_t state;
	char line[SMTP_LINE_MAX];
	size_t line_len;
	uint64_t bdat_left; /* bytes of the current BDAT chunk still to come */
	bool bdat_last; /* the current chunk is the mail's last */
	bool in_mail; /* between DATA (or a first BDAT) and the mail's end */
	bool in_headers; /* in the mail's top-level header section */
	bool keeping; /* the header line being read is kept (a MIME header) */
	char content[SMTP_LINE_MAX]; /* the mail line being read */
	size_t content_len;
	char headers[SMTP_HEADERS_MAX]; /* top-level header section of the mail being read */
	size_t headers_len;
	char attachment[UPLOAD_NAME_MAX]; /* first attachment's name, "" if none seen yet */
	char name_window[512]; /* recent body bytes, to find attachment names split by TCP */
	size_t window_len;
	bool mail_open;
	/* The domains of the transaction's recipients (RCPT TO), lower case; never the addresses:
	 * they name the destination (a sanctioned channel), not who the recipients are. */
	char domains[SMTP_DOMAINS_MAX][SMTP_DOMAIN_MAX];
	size_t n_domains;
	bool domains_overflow; /* more distinct domains than kept */
};

/* Prepares s. */
void smtp_upload_init(struct smtp_upload *s, const struct upload_sink *sink);

/* The next bytes of the client stream. Returns 0, or -EPROTO after STARTTLS. */
int smtp_upload_feed(struct smtp_upload *s, const uint8_t *data, size_t len);

/* End of the stream: a mail still open is inspected as it is. */
void smtp_upload_finish(struct smtp_upload *s);

/*
 * The recipients' domains of the current mail (valid until the next MAIL FROM); *n set to their
 * number, and *overflow when there were more than SMTP_DOMAINS_MAX.
 */
const char (*smtp_upload_domains(const struct smtp_upload *s, size_t *n,
				 bool *overflow))[SMTP_DOMAIN_MAX];

/* True when data starts like an SMTP client's greeting (EHLO/HELO/LHLO). */
bool smtp_upload_is_greeting(const uint8_t *data, size_t len);

#endif /* RAQIB_AGENT_SMTP_UPLOAD_H */
