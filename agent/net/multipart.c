// SPDX-License-Identifier: GPL-2.0-only
/*
 * Streaming multipart parser (see multipart.h). The delimiter is CRLF "--" boundary; the first
 * one may come without its CRLF (at the body's start), so the body is scanned as if preceded by
 * CRLF. Bytes at the end of a piece that could be the start of a delimiter are carried over to
 * the next piece, so a delimiter split by TCP is still found.
 */
#include "multipart.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
	MP_PREAMBLE,
	MP_HEADERS,
	MP_BODY,
	MP_EPILOGUE,
};

int multipart_boundary(const char *ct, char *out, size_t out_len)
{
	const char *p;
	size_t n = 0;

	if (strncasecmp(ct, "multipart/", 10) != 0)
		return -ENOENT;
	for (p = ct; (p = strchr(p, ';'));) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "boundary=", 9) == 0)
			break;
	}
	if (!p)
		return -ENOENT;
	p += 9;
	if (*p == '"') {
		p++;
		while (p[n] && p[n] != '"')
			n++;
	} else {
		while (p[n] && p[n] != ';' && p[n] != ' ' && p[n] != '\t')
			n++;
	}
	if (n == 0 || n > MULTIPART_BOUNDARY_MAX || n >= out_len)
		return -ENOENT;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int multipart_init(struct multipart *m, const char *boundary, const struct upload_sink *sink,
		   const char *protocol)
{
	size_t bl = strlen(boundary);

	if (bl == 0 || bl > MULTIPART_BOUNDARY_MAX)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->sink = sink;
	m->protocol = protocol;
	memcpy(m->delim, "\r\n--", 4);
	memcpy(m->delim + 4, boundary, bl);
	m->delim_len = 4 + bl;
	/* the body starts as if after a CRLF: its first line may be the first delimiter */
	memcpy(m->carry, "\r\n", 2);
	m->carry_len = 2;
	return 0;
}

bool multipart_header_filename(const char *h, size_t len, bool with_name, char *out, size_t out_len)
{
	static const char *const keys[] = { "filename*=", "filename=", "name=" };

	for (size_t k = 0; k < (with_name ? 3u : 2u); k++) {
		size_t kl = strlen(keys[k]);

		for (size_t i = 0; i + kl <= len; i++) {
			size_t n = 0;
			const char *v;

			if (strncasecmp(h + i, keys[k], kl) != 0)
				continue;
			/* "name=" must be a parameter of its own, not the end of "filename=" */
			if (i > 0 && (isalnum((unsigned char)h[i - 1]) || h[i - 1] == '*'))
				continue;
			v = h + i + kl;
			if (k == 0) {
				/* RFC 5987: charset'language'value */
				const char *q = memchr(v, '\'', len - (size_t)(v - h));

				if (q)
					q = memchr(q + 1, '\'', len - (size_t)(q + 1 - h));
				if (q)
					v = q + 1;
			}
			if (v < h + len && *v == '"') {
				v++;
				while (v + n < h + len && v[n] != '"' && v[n] != '\r' &&
				       v[n] != '\n')
					n++;
			} else {
				while (v + n < h + len && v[n] != ';' && v[n] != '\r' &&
				       v[n] != '\n' && v[n] != ' ')
					n++;
			}
			if (n == 0)
				continue;
			/* keep the last path component: old browsers sent C:\\dir\\name */
			for (size_t j = n; j > 0; j--) {
				if (v[j - 1] == '\\' || v[j - 1] == '/') {
					n -= j;
					v += j;
					break;
				}
			}
			if (n == 0)
				continue;
			snprintf(out, out_len, "%.*s", (int)n, v);
			return true;
		}
	}
	return false;
}

static void end_part(struct multipart *m)
{
	if (m->in_part)
		m->sink->end(m->sink->ctx);
	m->in_part = false;
}

/* The part headers are complete: start the part's object. */
static void begin_part(struct multipart *m)
{
	char name[UPLOAD_NAME_MAX];
	bool is_file = false;

	/* only a Content-Disposition header names the file of a form-data part */
	for (size_t i = 0; i + 19 <= m->headers_len; i++)
		if (strncasecmp(m->headers + i, "content-disposition", 19) == 0) {
			/* there, name= is the form field's name, not a file's */
			is_file = multipart_header_filename(m->headers + i, m->headers_len - i,
							    false, name, sizeof(name));
			break;
		}
	m->sink->begin(m->sink->ctx, m->protocol, is_file ? name : NULL);
	m->in_part = true;
}

/* Body bytes of the current part (or of the preamble/epilogue, which are dropped). */
static void emit(struct multipart *m, const uint8_t *data, size_t len)
{
	if (m->state == MP_BODY && m->in_part && len)
		m->sink->data(m->sink->ctx, data, len);
}

/* Header bytes of the next part, up to the blank line; returns bytes consumed. */
static size_t take_headers(struct multipart *m, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (m->headers_len < sizeof(m->headers) - 1)
			m->headers[m->headers_len++] = (char)data[i];
		m->headers[m->headers_len] = '\0';
		/* headers end with an empty line; the delimiter line's own CRLF starts them */
		if (m->headers_len >= 4 &&
		    memcmp(m->headers + m->headers_len - 4, "\r\n\r\n", 4) == 0) {
			begin_part(m);
			m->state = MP_BODY;
			return i + 1;
		}
		if (m->headers_len == 2 && memcmp(m->headers, "--", 2) == 0) {
			m->state = MP_EPILOGUE; /* the closing delimiter */
			return len;
		}
	}
	return len;
}

/* Looks for the delimiter in carry + data. */
void multipart_feed(struct multipart *m, const uint8_t *data, size_t len)
{
	while (len && m->state != MP_EPILOGUE) {
		if (m->state == MP_HEADERS) {
			size_t used = take_headers(m, data, len);

			data += used;
			len -= used;
			continue;
		}
		/* try to complete a delimiter started in the carry */
		if (m->carry_len) {
			size_t need = m->delim_len - m->carry_len;
			size_t take = len < need ? len : need;

			if (memcmp(m->delim + m->carry_len, data, take) != 0) {
				/* not a delimiter: its first byte is content; retry after it */
				uint8_t first = m->carry[0];

				emit(m, &first, 1);
				memmove(m->carry, m->carry + 1, --m->carry_len);
				/* the rest of the carry may still begin a delimiter */
				while (m->carry_len &&
				       memcmp(m->delim, m->carry, m->carry_len) != 0) {
					emit(m, m->carry, 1);
					memmove(m->carry, m->carry + 1, --m->carry_len);
				}
				continue;
			}
			if (take < need) {
				memcpy(m->carry + m->carry_len, data, take);
				m->carry_len += take;
				return;
			}
			data += take;
			len -= take;
			m->carry_len = 0;
			end_part(m);
			m->state = MP_HEADERS;
			m->headers_len = 0;
			continue;
		}
		/* find the delimiter in data, or a tail that could begin one */
		{
			const uint8_t *hit = memmem(data, len, m->delim, m->delim_len);
			size_t keep = 0;

			if (hit) {
				emit(m, data, (size_t)(hit - data));
				len -= (size_t)(hit - data) + m->delim_len;
				data = hit + m->delim_len;
				end_part(m);
				m->state = MP_HEADERS;
				m->headers_len = 0;
				continue;
			}
			for (size_t k = m->delim_len - 1; k > 0; k--) {
				if (k <= len && memcmp(data + len - k, m->delim, k) == 0) {
					keep = k;
					break;
				}
			}
			emit(m, data, len - keep);
			memcpy(m->carry, data + len - keep, keep);
			m->carry_len = keep;
			return;
		}
	}
}

void multipart_finish(struct multipart *m)
{
	if (m->state == MP_BODY && m->carry_len)
		emit(m, m->carry, m->carry_len);
	m->carry_len = 0;
	end_part(m);
	m->state = MP_EPILOGUE;
}
