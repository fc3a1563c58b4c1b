// SPDX-License-Identifier: GPL-2.0-only
/*
 * SMTP uploads (see smtp_upload.h). Commands are read a line at a time; mail content goes
 * through a small line machine that undoes dot-stuffing and finds the terminating dot line,
 * splitting the mail's own header section off on its first empty line.
 */
#include "smtp_upload.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "multipart.h"

enum {
	SMTP_COMMANDS,
	SMTP_DATA, /* DATA content, up to the dot line */
	SMTP_BDAT, /* a BDAT chunk's bytes */
	SMTP_TLS, /* after STARTTLS */
};

bool smtp_upload_is_greeting(const uint8_t *data, size_t len)
{
	return len >= 5 && (!strncasecmp((const char *)data, "EHLO ", 5) ||
			    !strncasecmp((const char *)data, "HELO ", 5) ||
			    !strncasecmp((const char *)data, "LHLO ", 5));
}

void smtp_upload_init(struct smtp_upload *s, const struct upload_sink *sink)
{
	memset(s, 0, sizeof(*s));
	s->sink = sink;
}

static void open_mail(struct smtp_upload *s)
{
	s->headers_len = 0;
	s->attachment[0] = '\0';
	s->window_len = 0;
	s->mail_open = false;
	s->in_mail = true;
	s->in_headers = true;
	s->keeping = false;
	s->content_len = 0;
}

/* Keeps a top-level header line if it is a MIME one (Content-*, MIME-Version, folded lines). */
static void keep_header_line(struct smtp_upload *s, const char *line, size_t len)
{
	bool folded = len && (line[0] == ' ' || line[0] == '\t');

	if (!folded)
		s->keeping = (len >= 8 && !strncasecmp(line, "content-", 8)) ||
			     (len >= 13 && !strncasecmp(line, "mime-version:", 13));
	if (!s->keeping || s->headers_len + len + 2 > sizeof(s->headers))
		return;
	memcpy(s->headers + s->headers_len, line, len);
	s->headers_len += len;
	memcpy(s->headers + s->headers_len, "\r\n", 2);
	s->headers_len += 2;
}

/* The mail's header section is complete: the object starts with its MIME headers. */
static void start_body(struct smtp_upload *s)
{
	char name[UPLOAD_NAME_MAX];
	bool named =
		multipart_header_filename(s->headers, s->headers_len, true, name, sizeof(name));

	s->sink->begin(s->sink->ctx, "smtp", named ? name : NULL);
	if (named)
		snprintf(s->attachment, sizeof(s->attachment), "%s", name);
	s->mail_open = true;
	s->in_headers = false;
	s->sink->data(s->sink->ctx, (const uint8_t *)s->headers, s->headers_len);
	s->sink->data(s->sink->ctx, (const uint8_t *)"\r\n", 2);
	explicit_bzero(s->headers, s->headers_len);
	s->headers_len = 0;
}

/* Finds the first attachment's name in the body (part headers), across piece borders. */
static void watch_names(struct smtp_upload *s, const uint8_t *data, size_t len)
{
	char name[UPLOAD_NAME_MAX];

	if (s->attachment[0])
		return;
	if (len >= sizeof(s->name_window)) {
		data += len - (sizeof(s->name_window) - 1);
		len = sizeof(s->name_window) - 1;
	}
	if (s->window_len + len >= sizeof(s->name_window)) {
		size_t drop = s->window_len + len - (sizeof(s->name_window) - 1);

		memmove(s->name_window, s->name_window + drop, s->window_len - drop);
		s->window_len -= drop;
	}
	memcpy(s->name_window + s->window_len, data, len);
	s->window_len += len;
	s->name_window[s->window_len] = '\0';
	for (char *p = s->name_window; (p = strcasestr(p, "filename")); p += 8) {
		const char *eol = strchr(p, '\n');

		/* a complete parameter only: its line must have ended */
		if (eol &&
		    multipart_header_filename(p, (size_t)(eol - p), false, name, sizeof(name))) {
			snprintf(s->attachment, sizeof(s->attachment), "%s", name);
			break;
		}
	}
}

static void end_mail(struct smtp_upload *s)
{
	if (!s->in_mail)
		return;
	if (s->content_len) {
		/* a last line without its CRLF (BDAT) */
		if (s->in_headers)
			keep_header_line(s, s->content, s->content_len);
		else
			s->sink->data(s->sink->ctx, (const uint8_t *)s->content, s->content_len);
	}
	if (!s->mail_open)
		start_body(s);
	if (s->attachment[0])
		s->sink->name(s->sink->ctx, s->attachment);
	s->sink->end(s->sink->ctx);
	explicit_bzero(s->name_window, sizeof(s->name_window));
	explicit_bzero(s->content, sizeof(s->content));
	s->in_mail = false;
	s->mail_open = false;
	s->content_len = 0;
}

/* One line of mail content, CRLF removed. Returns true at DATA's terminating dot line. */
static bool content_line(struct smtp_upload *s, char *line, size_t len)
{
	if (s->state == SMTP_DATA) {
		if (len == 1 && line[0] == '.')
			return true;
		if (len && line[0] == '.') {
			line++; /* dot-stuffing (RFC 5321 section 4.5.2) */
			len--;
		}
	}
	if (s->in_headers) {
		if (len == 0)
			start_body(s);
		else
			keep_header_line(s, line, len);
		return false;
	}
	s->sink->data(s->sink->ctx, (const uint8_t *)line, len);
	s->sink->data(s->sink->ctx, (const uint8_t *)"\r\n", 2);
	watch_names(s, (const uint8_t *)line, len);
	watch_names(s, (const uint8_t *)"\n", 1);
	return false;
}

/* A byte of mail content (DATA or BDAT). */
static void content_byte(struct smtp_upload *s, uint8_t c)
{
	if (c != '\n') {
		if (s->content_len < sizeof(s->content) - 1) {
			s->content[s->content_len++] = (char)c;
			return;
		}
		/* an over-long line: pass it on in pieces (content, never a command) */
	}
	while (c == '\n' && s->content_len && s->content[s->content_len - 1] == '\r')
		s->content_len--;
	if (content_line(s, s->content, s->content_len)) {
		end_mail(s);
		s->state = SMTP_COMMANDS;
	}
	s->content_len = 0;
	if (c != '\n')
		s->content[s->content_len++] = (char)c;
}

/* RCPT TO:<user@domain> (RFC 5321 section 4.1.1.3): keeps the domain once. */
static void note_recipient(struct smtp_upload *s, const char *line, size_t len)
{
	const char *at = NULL, *end = line + len, *p;
	char domain[SMTP_DOMAIN_MAX];
	size_t dlen;

	for (p = line + 8; p < end && *p != '>'; p++)
		if (*p == '@')
			at = p;
	if (!at || p == at + 1)
		return;
	dlen = (size_t)(p - at - 1);
	if (dlen >= sizeof(domain))
		return;
	for (size_t i = 0; i < dlen; i++)
		domain[i] = (char)tolower((unsigned char)at[1 + i]);
	domain[dlen] = '\0';
	for (size_t i = 0; i < s->n_domains; i++)
		if (!strcmp(s->domains[i], domain))
			return;
	if (s->n_domains == SMTP_DOMAINS_MAX) {
		s->domains_overflow = true;
		return;
	}
	memcpy(s->domains[s->n_domains++], domain, dlen + 1);
}

static void command_line(struct smtp_upload *s, const char *line, size_t len)
{
	unsigned long long n;
	char *end;

	if (len > 10 && !strncasecmp(line, "MAIL FROM:", 10)) {
		s->n_domains = 0; /* a new transaction */
		s->domains_overflow = false;
	} else if (len > 8 && !strncasecmp(line, "RCPT TO:", 8)) {
		note_recipient(s, line, len);
	} else if (len == 4 && !strncasecmp(line, "DATA", 4)) {
		open_mail(s);
		s->state = SMTP_DATA;
	} else if (len == 8 && !strncasecmp(line, "STARTTLS", 8)) {
		s->state = SMTP_TLS;
	} else if (len > 5 && !strncasecmp(line, "BDAT ", 5)) {
		errno = 0;
		n = strtoull(line + 5, &end, 10);
		if (errno || end == line + 5)
			return;
		if (!s->in_mail)
			open_mail(s);
		s->bdat_left = n;
		s->bdat_last = strcasestr(end, "LAST") != NULL;
		s->state = SMTP_BDAT;
		if (n == 0 && s->bdat_last) {
			end_mail(s);
			s->state = SMTP_COMMANDS;
		}
	} else if (len == 4 && !strncasecmp(line, "RSET", 4)) {
		s->in_mail = false; /* a transaction abandoned: nothing was sent */
	}
}

int smtp_upload_feed(struct smtp_upload *s, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];

		switch (s->state) {
		case SMTP_TLS:
			return -EPROTO;
		case SMTP_DATA:
			content_byte(s, c);
			break;
		case SMTP_BDAT:
			content_byte(s, c);
			if (--s->bdat_left == 0) {
				if (s->bdat_last)
					end_mail(s);
				s->state = SMTP_COMMANDS;
			}
			break;
		case SMTP_COMMANDS:
			if (c != '\n') {
				if (s->line_len < sizeof(s->line) - 1)
					s->line[s->line_len++] = (char)c;
				break;
			}
			while (s->line_len && s->line[s->line_len - 1] == '\r')
				s->line_len--;
			command_line(s, s->line, s->line_len);
			s->line_len = 0;
			break;
		}
	}
	return s->state == SMTP_TLS ? -EPROTO : 0;
}

const char (*smtp_upload_domains(const struct smtp_upload *s, size_t *n,
				 bool *overflow))[SMTP_DOMAIN_MAX]
{
	*n = s->n_domains;
	*overflow = s->domains_overflow;
	return s->domains;
}

void smtp_upload_finish(struct smtp_upload *s)
{
	end_mail(s);
	s->state = SMTP_COMMANDS;
}
