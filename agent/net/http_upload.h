/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What an HTTP/1.x client uploads: the request stream of a connection (pipelined requests
 * included) is parsed with http-parser (Debian libhttp-parser, which also undoes chunked
 * transfer coding and follows Content-Length), request bodies are decoded (Content-Encoding
 * gzip, x-gzip or deflate, with zlib, expansion bounded) and split into objects: each part of a
 * multipart/form-data body, or the whole body of any other request (a PUT of a file, a form
 * post), named after the part's filename or the last segment of the request path.
 */
#ifndef RAQIB_AGENT_HTTP_UPLOAD_H
#define RAQIB_AGENT_HTTP_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "upload_sink.h"

struct http_upload;

/* A parser for one client stream; max_ratio bounds decompressed / compressed bytes. NULL + errno. */
struct http_upload *http_upload_new(const struct upload_sink *sink, double max_ratio);

/* Ends what is open (a body cut by the end of the capture is inspected as it is); frees. */
void http_upload_free(struct http_upload *h);

/* The next bytes of the client stream. Returns 0, or -EPROTO once the stream is not HTTP. */
int http_upload_feed(struct http_upload *h, const uint8_t *data, size_t len);

/* A hole of the stream: the request in progress is ended and parsing stops (-EPROTO after). */
void http_upload_gap(struct http_upload *h);

/* The Host header of the last request, or NULL. */
const char *http_upload_host(const struct http_upload *h);

/*
 * "host/path" of the last request (host in lower case, without port, query or fragment), for
 * URL conditions of the rules. Returns out, or NULL when the request named no host.
 */
const char *http_upload_url(const struct http_upload *h, char *out, size_t out_len);

/* True when data starts like an HTTP/1.x request line ("POST /x HTTP/1.1"). */
bool http_upload_is_request(const uint8_t *data, size_t len);

#endif /* RAQIB_AGENT_HTTP_UPLOAD_H */
