// SPDX-License-Identifier: GPL-2.0-only
/*
 * The collector's HTTP server (see http_server.h) on libmicrohttpd 0.9.75: one internal
 * polling thread, requests dispatched through the route table; TLS through libmicrohttpd's
 * GnuTLS, the certificate checked with GnuTLS itself first.
 */
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "raqib/log.h"
#include "raqib/redis_conn.h"

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_route *routes;
	size_t n_routes;
	int port;
	bool tls;
	char *cert_pem, *key_pem; /* kept for the daemon's life (libmicrohttpd borrows them) */
};

/*
 * Headers on every answer: no type sniffing, no framing, no referrer, and a page may load
 * scripts, styles, images and data from its own origin only (the desk's UI loads nothing from
 * elsewhere, and an injected <script> or inline handler would not run).
 */
static const char *const security_headers[][2] = {
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "no-referrer" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
	{ "Cross-Origin-Resource-Policy", "same-origin" },
	{ "Content-Security-Policy",
	  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	  "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
	  "form-action 'none'; frame-ancestors 'none'" },
};

/* The query string's arguments, gathered by MHD_get_connection_values(). */
struct args {
	struct http_arg arg[HTTP_ARGS_MAX];
	size_t n;
	bool too_many;
};

/* A request body being read (MHD's per-connection pointer). */
struct upload {
	char *data;
	size_t len;
	bool too_large;
};

int http_reply_text(struct http_response *resp, int status, const char *content_type,
		    const char *text)
{
	resp->status = status;
	resp->content_type = content_type;
	resp->body = strdup(text);
	resp->body_len = resp->body ? strlen(text) : 0;
	return resp->body ? 0 : -ENOMEM;
}

const char *http_request_arg(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_args; i++)
		if (strcmp(req->args[i].name, name) == 0)
			return req->args[i].value;
	return NULL;
}

static enum MHD_Result send_response(struct http_server *s, struct MHD_Connection *conn,
				     struct http_response *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char disposition[200];

	resp = MHD_create_response_from_buffer(r->body_len, r->body ? r->body : (char *)"",
					       r->body ? MHD_RESPMEM_MUST_FREE :
							 MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
				r->content_type ? r->content_type : "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
	if (s->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (r->attachment[0]) {
		/* the handler's file name, of letters, digits, '.', '-' and '_' only */
		snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"",
			 r->attachment);
		MHD_add_response_header(resp, "Content-Disposition", disposition);
	}
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void peer_text(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, len, "-");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)len);
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct args *a = cls;

	(void)kind;
	if (a->n == HTTP_ARGS_MAX) {
		a->too_many = true;
		return MHD_NO;
	}
	a->arg[a->n++] = (struct http_arg){ key ? key : "", value ? value : "" };
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **con_cls)
{
	struct http_server *s = cls;
	struct upload *up = *con_cls;
	struct http_response resp = { 0 };
	struct http_request req;
	struct args args = { .n = 0 };
	char peer[64];
	bool path_known = false;

	(void)version;
	if (!up) {
		up = calloc(1, sizeof(*up));
		if (!up)
			return MHD_NO;
		*con_cls = up;
		return MHD_YES;
	}
	if (*data_len) {
		if (up->too_large || up->len + *data_len > HTTP_BODY_MAX) {
			up->too_large = true;
		} else {
			char *more = realloc(up->data, up->len + *data_len + 1);

			if (!more)
				return MHD_NO;
			up->data = more;
			memcpy(up->data + up->len, data, *data_len);
			up->len += *data_len;
			up->data[up->len] = '\0';
		}
		*data_len = 0;
		return MHD_YES;
	}
	if (up->too_large) {
		http_reply_text(&resp, 413, NULL, "request body too large\n");
		return send_response(s, conn, &resp);
	}
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &args);
	if (args.too_many) {
		http_reply_text(&resp, 400, NULL, "too many query arguments\n");
		return send_response(s, conn, &resp);
	}
	peer_text(conn, peer, sizeof(peer));
	req = (struct http_request){
		.method = method,
		.path = url,
		.body = up->data ? up->data : "",
		.body_len = up->len,
		.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_AUTHORIZATION),
		.peer = peer,
		.args = args.arg,
		.n_args = args.n,
	};
	for (size_t i = 0; i < s->n_routes; i++) {
		if (strcmp(s->routes[i].path, url) != 0)
			continue;
		path_known = true;
		if (strcmp(s->routes[i].method, method) != 0)
			continue;
		if (s->routes[i].fn(s->routes[i].ctx, &req, &resp)) {
			free(resp.body);
			resp = (struct http_response){ 0 };
			http_reply_text(&resp, 500, NULL, "internal error\n");
		}
		return send_response(s, conn, &resp);
	}
	http_reply_text(&resp, path_known ? 405 : 404, NULL,
			path_known ? "method not allowed\n" : "not found\n");
	return send_response(s, conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (up) {
		if (up->data)
			explicit_bzero(up->data, up->len); /* a value searched for */
		free(up->data);
		free(up);
	}
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char text[256];

	(void)cls;
	vsnprintf(text, sizeof(text), fmt, ap);
	text[strcspn(text, "\n")] = '\0';
	log_debug("http", "%s", text);
}

/* A PEM file's text, NUL-terminated (at most 1 MiB). NULL with err. */
static char *read_pem(const char *path, const char *what, char *err, size_t err_len)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;

	if (!f) {
		snprintf(err, err_len, "cannot open the TLS %s '%s': %s", what, path, strerror(errno));
		return NULL;
	}
	text = calloc(1, (1u << 20) + 1);
	if (text)
		len = fread(text, 1, 1u << 20, f);
	if (!text || ferror(f) || len == 0 || len == 1u << 20) {
		snprintf(err, err_len, "cannot read the TLS %s '%s': %s", what, path,
			 !text ? "out of memory" : len == 0 ? "empty" : "over 1 MiB or unreadable");
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/*
 * Checks the pair with GnuTLS before libmicrohttpd gets it (its own errors say only that the
 * daemon did not start): the key matches the certificate, and the certificate is valid now.
 */
static int check_tls_pair(const char *cert, const char *key, const char *cert_file, char *err,
			  size_t err_len)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t c = { (unsigned char *)cert, (unsigned)strlen(cert) };
	gnutls_datum_t k = { (unsigned char *)key, (unsigned)strlen(key) };
	time_t now = time(NULL), not_before, not_after;
	int rc = -EINVAL, g;

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	g = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (g < 0) {
		snprintf(err, err_len, "the TLS certificate '%s' and its key are not usable: %s",
			 cert_file, gnutls_strerror(g));
		goto out;
	}
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &c, GNUTLS_X509_FMT_PEM) < 0) {
		snprintf(err, err_len, "the TLS certificate '%s' is not a PEM X.509 certificate",
			 cert_file);
		goto out;
	}
	not_before = gnutls_x509_crt_get_activation_time(crt);
	not_after = gnutls_x509_crt_get_expiration_time(crt);
	if (not_after != (time_t)-1 && now > not_after) {
		snprintf(err, err_len, "the TLS certificate '%s' expired %lld days ago", cert_file,
			 (long long)(now - not_after) / 86400);
		goto out;
	}
	if (not_before != (time_t)-1 && now < not_before) {
		snprintf(err, err_len, "the TLS certificate '%s' is not valid before %lld days",
			 cert_file, (long long)(not_before - now) / 86400 + 1);
		goto out;
	}
	rc = 0;
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	gnutls_certificate_free_credentials(cred);
	return rc;
}

struct http_server *http_server_start(const char *listen, const struct http_route *routes,
				      size_t n, char *err, size_t err_len)
{
	return http_server_start_tls(listen, routes, n, NULL, err, err_len);
}

static void free_pem(char *pem)
{
	if (pem) {
		explicit_bzero(pem, strlen(pem));
		free(pem);
	}
}

struct http_server *http_server_start_tls(const char *listen, const struct http_route *routes,
					  size_t n, const struct http_tls *tls, char *err,
					  size_t err_len)
{
	struct http_server *s = calloc(1, sizeof(*s));
	struct raqib_redis_addr addr;
	struct sockaddr_storage ss = { 0 };
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (!s || !(s->routes = calloc(n, sizeof(*routes)))) {
		free(s);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	memcpy(s->routes, routes, n * sizeof(*routes));
	s->n_routes = n;
	if (tls) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, err_len, "this libmicrohttpd was built without TLS");
			goto err_free;
		}
		s->cert_pem = read_pem(tls->cert_file, "certificate", err, err_len);
		s->key_pem = s->cert_pem ? read_pem(tls->key_file, "key", err, err_len) : NULL;
		if (!s->key_pem || check_tls_pair(s->cert_pem, s->key_pem, tls->cert_file, err,
						  err_len))
			goto err_free;
		s->tls = true;
		flags |= MHD_USE_TLS;
	}
	if (raqib_redis_addr_parse(listen, &addr)) {
		snprintf(err, err_len, "invalid listen address '%.100s': expected ADDR:PORT",
			 listen);
		goto err_free;
	}
	if (inet_pton(AF_INET, addr.host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)addr.port);
	} else if (inet_pton(AF_INET6, addr.host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)addr.port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, err_len, "invalid listen address '%.100s': an IP address is needed",
			 listen);
		goto err_free;
	}
	{
		struct MHD_OptionItem tls_options[] = {
			{ MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert_pem },
			{ MHD_OPTION_HTTPS_MEM_KEY, 0, s->key_pem },
			{ MHD_OPTION_HTTPS_PRIORITIES, 0,
			  (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" },
			{ MHD_OPTION_END, 0, NULL },
		};

		if (!s->tls)
			tls_options[0].option = MHD_OPTION_END;
		s->daemon = MHD_start_daemon(flags, (uint16_t)addr.port, NULL, NULL, on_request, s,
					     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
					     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
					     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
					     MHD_OPTION_CONNECTION_LIMIT, 64u,
					     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_ARRAY,
					     tls_options, MHD_OPTION_END);
	}
	if (!s->daemon) {
		snprintf(err, err_len, "cannot listen on %.100s: %s", listen,
			 errno ? strerror(errno) : "libmicrohttpd refused");
		goto err_free;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : addr.port;
	return s;

err_free:
	free_pem(s->cert_pem);
	free_pem(s->key_pem);
	free(s->routes);
	free(s);
	return NULL;
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	free_pem(s->cert_pem);
	free_pem(s->key_pem);
	free(s->routes);
	free(s);
}

int http_server_port(const struct http_server *s)
{
	return s->port;
}
