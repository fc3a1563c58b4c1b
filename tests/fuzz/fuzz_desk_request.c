// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the desk API's request parsing (collector/desk_params.c through
 * desk_request_check(), as the server runs it on every request before anything reaches the
 * store). The input is "METHOD PATH?QUERY\nBODY": the query is split at '&' and '=' and
 * percent-decoded as libmicrohttpd hands it over; then the time parser and the audit cursor
 * check get the body as text too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit_log.h"
#include "desk_api.h"
#include "desk_params.h"

#define MAX_TEXT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* In place: "%41" -> "A", "+" -> " ". */
static void decode(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r == '%' && hex(r[1]) >= 0 && hex(r[2]) >= 0) {
			*w++ = (char)(hex(r[1]) * 16 + hex(r[2]));
			r += 2;
		} else {
			*w++ = *r == '+' ? ' ' : *r;
		}
	}
	*w = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT + 1], reason[DESK_REASON_MAX], *line, *body, *path, *q, *tok, *save;
	struct http_arg args[HTTP_ARGS_MAX];
	struct http_request req = { 0 };
	size_t n = 0;
	int64_t ms;

	if (size > MAX_TEXT)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	line = text;
	body = strchr(text, '\n');
	if (body)
		*body++ = '\0';
	else
		body = line + strlen(line);
	path = strchr(line, ' ');
	if (!path)
		return 0;
	*path++ = '\0';
	q = strchr(path, '?');
	if (q)
		*q++ = '\0';
	for (tok = q ? strtok_r(q, "&", &save) : NULL; tok && n < HTTP_ARGS_MAX;
	     tok = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(tok, '=');

		if (eq)
			*eq++ = '\0';
		decode(tok);
		if (eq)
			decode(eq);
		args[n++] = (struct http_arg){ tok, eq ? eq : "" };
	}
	req = (struct http_request){ .method = line,
				     .path = path,
				     .body = body,
				     .body_len = strlen(body),
				     .args = args,
				     .n_args = n };
	desk_request_check(line, path, &req, reason, sizeof(reason));
	desk_parse_time(body, &ms);
	audit_id_is_valid(body);
	desk_text_is_clean(body, strlen(body), true);
	return 0;
}
