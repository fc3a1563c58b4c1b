// SPDX-License-Identifier: GPL-2.0-only
/*
 * The collector's HTTP server (see http_server.h) on libmicrohttpd 0.9.75: one internal
 * polling thread, requests dispatched through the route table.
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

#include <microhttpd.h>

#include "raqib/log.h"
#include "raqib/redis_conn.h"

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_route *routes;
	size_t n_routes;
	int port;
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

static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_response *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **con_cls)
{
	struct http_server *s = cls;
	struct upload *up = *con_cls;
	struct http_response resp = { 0 };
	struct http_request req;
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
		return send_response(conn, &resp);
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
		return send_response(conn, &resp);
	}
	http_reply_text(&resp, path_known ? 405 : 404, NULL,
			path_known ? "method not allowed\n" : "not found\n");
	return send_response(conn, &resp);
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

struct http_server *http_server_start(const char *listen, const struct http_route *routes, size_t n,
				      char *err, size_t err_len)
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
	s->daemon = MHD_start_daemon(flags, (uint16_t)addr.port, NULL, NULL, on_request, s,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				     MHD_OPTION_CONNECTION_LIMIT, 64u,
				     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, err_len, "cannot listen on %.100s: %s", listen,
			 errno ? strerror(errno) : "libmicrohttpd refused");
		goto err_free;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : addr.port;
	return s;

err_free:
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
	free(s->routes);
	free(s);
}

int http_server_port(const struct http_server *s)
{
	return s->port;
}
