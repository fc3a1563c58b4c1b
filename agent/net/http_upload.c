// SPDX-License-Identifier: GPL-2.0-only
/*
 * HTTP/1.x uploads (see http_upload.h). http-parser calls back with header fields and values in
 * pieces; the few headers needed (Host, Content-Type, Content-Encoding, Content-Disposition)
 * are collected into bounded buffers. Body bytes go through zlib when encoded, then through the
 * multipart parser or straight to the sink.
 */
#include "http_upload.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>
#include <zlib.h>

#include "multipart.h"

#define HEADER_VALUE_MAX 512
#define INFLATE_CHUNK	 16384

enum header_id {
	HDR_NONE,
	HDR_HOST,
	HDR_CONTENT_TYPE,
	HDR_CONTENT_ENCODING,
	HDR_CONTENT_DISPOSITION,
};

struct http_upload {
	http_parser parser;
	http_parser_settings settings;
	const struct upload_sink *sink;
	double max_ratio;
	bool failed;
	/* the request being read */
	char field[32];
	size_t field_len;
	bool field_done; /* the value of field is being read */
	enum header_id header;
	char host[HEADER_VALUE_MAX];
	char content_type[HEADER_VALUE_MAX];
	char content_encoding[64];
	char disposition[HEADER_VALUE_MAX];
	char url[HEADER_VALUE_MAX];
	size_t url_len;
	bool has_body;
	bool is_multipart;
	bool object_open;
	struct multipart mp;
	bool inflating;
	z_stream zs;
	uint64_t body_in, body_out; /* for the expansion bound */
	bool inflate_stopped;
	bool inflate_raw; /* retried as raw deflate */
};

bool http_upload_is_request(const uint8_t *data, size_t len)
{
	/* RFC 9110 section 9 and WebDAV (RFC 4918): the methods http-parser knows that send */
	static const char *const methods[] = { "GET ",	     "POST ",	"PUT ",	    "PATCH ",
					       "DELETE ",    "HEAD ",	"OPTIONS ", "PROPFIND ",
					       "PROPPATCH ", "MKCOL ",	"COPY ",    "MOVE ",
					       "LOCK ",	     "UNLOCK ", "REPORT ",  "SEARCH " };

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t n = strlen(methods[i]);

		if (len >= n && memcmp(data, methods[i], n) == 0)
			return true;
	}
	return false;
}

static int on_message_begin(http_parser *p)
{
	struct http_upload *h = p->data;

	h->field_len = 0;
	h->field_done = false;
	h->header = HDR_NONE;
	h->content_type[0] = h->content_encoding[0] = h->disposition[0] = '\0';
	h->url_len = 0;
	h->url[0] = '\0';
	h->has_body = false;
	h->body_in = h->body_out = 0;
	return 0;
}

static void append(char *buf, size_t size, const char *at, size_t len)
{
	size_t have = strlen(buf);

	if (have + 1 >= size)
		return;
	if (len > size - 1 - have)
		len = size - 1 - have;
	memcpy(buf + have, at, len);
	buf[have + len] = '\0';
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct http_upload *h = p->data;

	append(h->url, sizeof(h->url), at, len);
	return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_upload *h = p->data;

	if (h->field_done) {
		h->field_len = 0;
		h->field_done = false;
	}
	for (size_t i = 0; i < len && h->field_len < sizeof(h->field) - 1; i++)
		h->field[h->field_len++] = (char)tolower((unsigned char)at[i]);
	h->field[h->field_len] = '\0';
	return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_upload *h = p->data;

	if (!h->field_done) {
		h->field_done = true;
		h->header = !strcmp(h->field, "host")		     ? HDR_HOST :
			    !strcmp(h->field, "content-type")	     ? HDR_CONTENT_TYPE :
			    !strcmp(h->field, "content-encoding")    ? HDR_CONTENT_ENCODING :
			    !strcmp(h->field, "content-disposition") ? HDR_CONTENT_DISPOSITION :
								       HDR_NONE;
		if (h->header == HDR_HOST)
			h->host[0] = '\0';
	}
	switch (h->header) {
	case HDR_HOST:
		append(h->host, sizeof(h->host), at, len);
		break;
	case HDR_CONTENT_TYPE:
		append(h->content_type, sizeof(h->content_type), at, len);
		break;
	case HDR_CONTENT_ENCODING:
		append(h->content_encoding, sizeof(h->content_encoding), at, len);
		break;
	case HDR_CONTENT_DISPOSITION:
		append(h->disposition, sizeof(h->disposition), at, len);
		break;
	case HDR_NONE:
		break;
	}
	return 0;
}

/* The name of a non-multipart body: Content-Disposition's filename, or the path's last part. */
static void body_name(const struct http_upload *h, char *out, size_t out_len)
{
	const char *path = h->url, *end, *slash;

	if (multipart_header_filename(h->disposition, strlen(h->disposition), false, out, out_len))
		return;
	out[0] = '\0';
	/* absolute-form URLs carry the scheme and authority first */
	if (strncmp(path, "http://", 7) == 0) {
		path = strchr(path + 7, '/');
		if (!path)
			return;
	}
	end = path + strcspn(path, "?#");
	slash = end;
	while (slash > path && slash[-1] != '/')
		slash--;
	if (end > slash)
		snprintf(out, out_len, "%.*s", (int)(end - slash), slash);
}

static int on_headers_complete(http_parser *p)
{
	struct http_upload *h = p->data;
	char boundary[MULTIPART_BOUNDARY_MAX + 1];
	const char *enc = h->content_encoding;

	/* a CONNECT tunnel or an upgraded protocol is not HTTP past here */
	if (p->method == HTTP_CONNECT)
		return 0;
	h->is_multipart = multipart_boundary(h->content_type, boundary, sizeof(boundary)) == 0 &&
			  multipart_init(&h->mp, boundary, h->sink, "http") == 0;
	h->inflating = false;
	h->inflate_stopped = false;
	h->inflate_raw = false;
	if (!strcasecmp(enc, "gzip") || !strcasecmp(enc, "x-gzip") || !strcasecmp(enc, "deflate")) {
		memset(&h->zs, 0, sizeof(h->zs));
		/* 32 + 15: zlib or gzip header, detected; raw deflate is retried on error */
		if (inflateInit2(&h->zs, 32 + 15) == Z_OK)
			h->inflating = true;
	}
	return 0;
}

static void begin_body(struct http_upload *h)
{
	char name[UPLOAD_NAME_MAX];

	if (h->has_body)
		return;
	h->has_body = true;
	if (h->is_multipart)
		return;
	body_name(h, name, sizeof(name));
	h->sink->begin(h->sink->ctx, "http", name[0] ? name : NULL);
	h->object_open = true;
}

static void body_out(struct http_upload *h, const uint8_t *data, size_t len)
{
	h->body_out += len;
	if (h->is_multipart)
		multipart_feed(&h->mp, data, len);
	else
		h->sink->data(h->sink->ctx, data, len);
}

/* Inflates an encoded body piece; stops (keeping what was decoded) at the expansion bound. */
static void inflate_piece(struct http_upload *h, const uint8_t *data, size_t len)
{
	uint8_t out[INFLATE_CHUNK];
	int rc = Z_OK;

	h->zs.next_in = (Bytef *)data;
	h->zs.avail_in = (uInt)len;
	while (h->zs.avail_in && !h->inflate_stopped) {
		uInt avail_in = h->zs.avail_in;

		h->zs.next_out = out;
		h->zs.avail_out = sizeof(out);
		rc = inflate(&h->zs, Z_NO_FLUSH);
		if (rc == Z_DATA_ERROR && h->zs.total_out == 0 && h->zs.total_in <= 2 &&
		    !h->inflate_raw) {
			/* "deflate" sent as raw deflate (RFC 1951) instead of zlib (RFC 1950) */
			h->inflate_raw = true;
			inflateEnd(&h->zs);
			memset(&h->zs, 0, sizeof(h->zs));
			if (inflateInit2(&h->zs, -15) != Z_OK) {
				h->inflate_stopped = true;
				break;
			}
			h->zs.next_in = (Bytef *)data;
			h->zs.avail_in = (uInt)len;
			continue;
		}
		if (sizeof(out) - h->zs.avail_out)
			body_out(h, out, sizeof(out) - h->zs.avail_out);
		/* an error, the end, no progress, or past the expansion bound (a zip bomb) */
		if (rc == Z_STREAM_END || (rc != Z_OK && rc != Z_BUF_ERROR) ||
		    (h->zs.avail_in == avail_in && h->zs.avail_out == sizeof(out)) ||
		    (double)h->body_out > h->max_ratio * (double)(h->body_in + 1024))
			h->inflate_stopped = true;
	}
	explicit_bzero(out, sizeof(out));
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_upload *h = p->data;

	begin_body(h);
	h->body_in += len;
	if (h->inflating)
		inflate_piece(h, (const uint8_t *)at, len);
	else
		body_out(h, (const uint8_t *)at, len);
	return 0;
}

static void end_body(struct http_upload *h)
{
	if (h->inflating) {
		inflateEnd(&h->zs);
		h->inflating = false;
	}
	if (h->is_multipart && h->has_body)
		multipart_finish(&h->mp);
	h->is_multipart = false;
	if (h->object_open)
		h->sink->end(h->sink->ctx);
	h->object_open = false;
	h->has_body = false;
}

static int on_message_complete(http_parser *p)
{
	end_body(p->data);
	return 0;
}

struct http_upload *http_upload_new(const struct upload_sink *sink, double max_ratio)
{
	struct http_upload *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->sink = sink;
	h->max_ratio = max_ratio;
	http_parser_init(&h->parser, HTTP_REQUEST);
	h->parser.data = h;
	h->settings.on_message_begin = on_message_begin;
	h->settings.on_url = on_url;
	h->settings.on_header_field = on_header_field;
	h->settings.on_header_value = on_header_value;
	h->settings.on_headers_complete = on_headers_complete;
	h->settings.on_body = on_body;
	h->settings.on_message_complete = on_message_complete;
	return h;
}

void http_upload_free(struct http_upload *h)
{
	if (!h)
		return;
	end_body(h);
	free(h);
}

int http_upload_feed(struct http_upload *h, const uint8_t *data, size_t len)
{
	size_t n;

	if (h->failed)
		return -EPROTO;
	n = http_parser_execute(&h->parser, &h->settings, (const char *)data, len);
	if (h->parser.upgrade || h->parser.method == HTTP_CONNECT) {
		end_body(h);
		h->failed = true; /* a tunnel or another protocol from here on */
		return -EPROTO;
	}
	if (HTTP_PARSER_ERRNO(&h->parser) != HPE_OK || n != len) {
		end_body(h);
		h->failed = true;
		return -EPROTO;
	}
	return 0;
}

void http_upload_gap(struct http_upload *h)
{
	/* request boundaries are lost with the bytes: what is open ends here */
	end_body(h);
	h->failed = true;
}

const char *http_upload_host(const struct http_upload *h)
{
	return h->host[0] ? h->host : NULL;
}

const char *http_upload_url(const struct http_upload *h, char *out, size_t out_len)
{
	const char *path = h->url;
	size_t o = 0, hl = strcspn(h->host, ":");

	if (!h->host[0] || out_len < 2)
		return NULL;
	/* absolute-form URLs carry the scheme and authority first */
	if (strncasecmp(path, "http://", 7) == 0)
		path = strchr(path + 7, '/') ?: "";
	for (size_t i = 0; i < hl && o + 1 < out_len; i++)
		out[o++] = (char)tolower((unsigned char)h->host[i]);
	if (path[0] != '/' && o + 1 < out_len)
		out[o++] = '/';
	for (size_t i = 0; path[i] && path[i] != '?' && path[i] != '#' && o + 1 < out_len; i++)
		out[o++] = path[i];
	out[o] = '\0';
	return out;
}
