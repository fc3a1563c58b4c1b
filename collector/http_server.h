/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's HTTP server (libmicrohttpd): a table of routes, each a method, a path and a
 * handler. /metrics and /api/find are the collector's; the desk (issue 12) adds its API and
 * UI as more rows. Handlers run on the server's own thread: whatever they share with the
 * consuming loop they take under its lock.
 *
 * Request bodies are read up to HTTP_BODY_MAX bytes; a larger one is refused (413) before the
 * handler runs. A request's query string reaches the handler decoded, as name/value pairs (at
 * most HTTP_ARGS_MAX; more are refused with 400). Every answer carries headers that keep a
 * browser from sniffing types, framing the page or loading anything from elsewhere.
 *
 * With a certificate and a key (PEM files), the server speaks only TLS (1.2 and 1.3, through
 * libmicrohttpd's GnuTLS); the pair is checked with GnuTLS at start-up, so that a key that does
 * not match its certificate, or a certificate out of its validity, is refused with the reason.
 */
#ifndef RAQIB_COLLECTOR_HTTP_SERVER_H
#define RAQIB_COLLECTOR_HTTP_SERVER_H

#include <stddef.h>

#define HTTP_BODY_MAX (64u << 10)
#define HTTP_ARGS_MAX 32

/* One query-string argument, decoded (borrowed for the duration of the call). */
struct http_arg {
	const char *name;
	const char *value; /* "" for "?name" */
};

struct http_request {
	const char *method;
	const char *path;
	const char *body; /* NUL-terminated; "" when none */
	size_t body_len;
	const char *authorization; /* the Authorization header, or NULL */
	const char *peer; /* the client's address, for the audit log */
	const struct http_arg *args; /* the query string's arguments, in order */
	size_t n_args;
};

struct http_response {
	int status;
	const char *content_type; /* static */
	char *body; /* malloc'ed; the server frees it */
	size_t body_len;
	char attachment[128]; /* "": shown; else a download of that file name */
};

/* Fills resp (status, body); returns 0, or a negative errno for a 500. */
typedef int (*http_handler_fn)(void *ctx, const struct http_request *req,
			       struct http_response *resp);

struct http_route {
	const char *method; /* "GET", "POST" */
	const char *path; /* exact match */
	http_handler_fn fn;
	void *ctx;
};

struct http_server;

/*
 * Listens on listen ("ADDR:PORT", "[V6]:PORT") and serves the n routes (copied). Returns NULL
 * with a reason in err.
 */
struct http_server *http_server_start(const char *listen, const struct http_route *routes, size_t n,
				      char *err, size_t err_len);

/* A certificate and its key, PEM files, for a server that speaks TLS. */
struct http_tls {
	const char *cert_file;
	const char *key_file;
};

/* As http_server_start(), over TLS when tls is not NULL. */
struct http_server *http_server_start_tls(const char *listen, const struct http_route *routes,
					  size_t n, const struct http_tls *tls, char *err,
					  size_t err_len);

/* Stops serving and frees; accepts NULL. */
void http_server_stop(struct http_server *server);

/* The port it listens on (the one chosen when listen said port 0). */
int http_server_port(const struct http_server *server);

/* Sets resp to a text body (copied) with a status. Returns 0 or -ENOMEM. */
int http_reply_text(struct http_response *resp, int status, const char *content_type,
		    const char *text);

/* The value of the query argument name, or NULL when absent. */
const char *http_request_arg(const struct http_request *req, const char *name);

#endif /* RAQIB_COLLECTOR_HTTP_SERVER_H */
