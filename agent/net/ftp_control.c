// SPDX-License-Identifier: GPL-2.0-only
/*
 * FTP control parser (see ftp_control.h). Lines are bounded; anything unexpected in a reply or
 * a command is ignored rather than trusted: an announced port must be 1..65535 and an address
 * must parse, or no data connection is expected.
 */
#include "ftp_control.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

bool ftp_control_is_client_start(const uint8_t *data, size_t len)
{
	static const char *const starts[] = { "USER ", "AUTH ", "FEAT", "SYST", "OPTS ", "HOST " };

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		size_t n = strlen(starts[i]);

		if (len >= n && !strncasecmp((const char *)data, starts[i], n))
			return true;
	}
	return false;
}

int ftp_control_init(struct ftp_control *c)
{
	memset(c, 0, sizeof(*c));
	c->session = calloc(1, sizeof(*c->session));
	if (!c->session)
		return -ENOMEM;
	c->session->refs = 1;
	return 0;
}

struct ftp_session *ftp_session_get(struct ftp_session *s)
{
	s->refs++;
	return s;
}

void ftp_session_put(struct ftp_session *s)
{
	if (s && --s->refs == 0)
		free(s);
}

void ftp_control_release(struct ftp_control *c)
{
	ftp_session_put(c->session);
	c->session = NULL;
}

/* Six comma-separated numbers h1,h2,h3,h4,p1,p2 (RFC 959 PORT and 227). */
static bool parse_hostport(const char *p, struct ftp_announce *a)
{
	unsigned v[6];
	char *end;

	for (int i = 0; i < 6; i++) {
		unsigned long n;

		while (*p == ' ' || *p == '(')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		errno = 0;
		n = strtoul(p, &end, 10);
		if (errno || n > 255)
			return false;
		v[i] = (unsigned)n;
		p = end;
		if (i < 5 && *p++ != ',')
			return false;
	}
	a->family = AF_INET;
	for (int i = 0; i < 4; i++)
		a->addr[i] = (uint8_t)v[i];
	a->port = (uint16_t)(v[4] << 8 | v[5]);
	return a->port != 0;
}

/* "|proto|addr|port|" of EPRT, or "(|||port|)" of a 229 reply (RFC 2428). */
static bool parse_extended(const char *p, struct ftp_announce *a, bool with_addr)
{
	char delim, addr[INET6_ADDRSTRLEN];
	const char *f[4];
	unsigned long port;
	char *end;
	int n = 0;

	p = strpbrk(p, "|!#$%&'*+,-./:;<=>?@[\\]^_`{}~");
	if (!p)
		return false;
	delim = *p;
	for (const char *q = p; *q && n < 4; q++)
		if (*q == delim)
			f[n++] = q;
	if (n < 4)
		return false;
	errno = 0;
	port = strtoul(f[2] + 1, &end, 10);
	if (errno || end != f[3] || port == 0 || port > 65535)
		return false;
	a->port = (uint16_t)port;
	a->family = 0;
	if (!with_addr)
		return true;
	if ((size_t)(f[2] - f[1] - 1) >= sizeof(addr))
		return false;
	snprintf(addr, sizeof(addr), "%.*s", (int)(f[2] - f[1] - 1), f[1] + 1);
	if (inet_pton(AF_INET, addr, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, a->addr) == 1)
		a->family = AF_INET6;
	return a->family != 0;
}

static void client_line(struct ftp_control *c, const char *line,
			void (*fn)(void *ctx, const struct ftp_announce *a), void *ctx)
{
	struct ftp_announce a = { .active = true };
	struct ftp_session *s = c->session;
	const char *arg = strchr(line, ' ');

	arg = arg ? arg + 1 : "";
	if (!strncasecmp(line, "PORT ", 5) && parse_hostport(arg, &a)) {
		fn(ctx, &a);
	} else if (!strncasecmp(line, "EPRT ", 5) && parse_extended(arg, &a, true)) {
		fn(ctx, &a);
	} else if (!strncasecmp(line, "STOR ", 5) || !strncasecmp(line, "APPE ", 5)) {
		s->transfer = FTP_TRANSFER_UPLOAD;
		snprintf(s->file_name, sizeof(s->file_name), "%s", arg);
	} else if (!strncasecmp(line, "STOU", 4)) {
		s->transfer = FTP_TRANSFER_UPLOAD;
		snprintf(s->file_name, sizeof(s->file_name), "%s", arg);
	} else if (!strncasecmp(line, "RETR", 4) || !strncasecmp(line, "LIST", 4) ||
		   !strncasecmp(line, "NLST", 4) || !strncasecmp(line, "MLSD", 4)) {
		s->transfer = FTP_TRANSFER_OTHER;
		s->file_name[0] = '\0';
	} else if (!strncasecmp(line, "AUTH ", 5)) {
		c->tls = true; /* confirmed by a 234 reply; a refusal is rare enough to lose */
	}
}

static void server_line(struct ftp_control *c, const char *line,
			void (*fn)(void *ctx, const struct ftp_announce *a), void *ctx)
{
	struct ftp_announce a = { .active = false };

	if (!strncmp(line, "227", 3)) {
		const char *p = strchr(line, '(');

		/* some servers leave the parentheses out: the numbers follow the text */
		if (!p)
			p = strpbrk(line + 4, "0123456789");
		if (p && parse_hostport(p, &a))
			fn(ctx, &a);
	} else if (!strncmp(line, "229", 3) && parse_extended(line + 3, &a, false)) {
		fn(ctx, &a);
	} else if (!strncmp(line, "5", 1) && c->tls) {
		c->tls = false; /* AUTH refused: the session stays in clear */
	}
}

int ftp_control_feed(struct ftp_control *c, bool from_client, const uint8_t *data, size_t len,
		     void (*fn)(void *ctx, const struct ftp_announce *a), void *ctx)
{
	int d = from_client ? 0 : 1;

	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n') {
			if (c->line_len[d] < FTP_LINE_MAX - 1)
				c->line[d][c->line_len[d]++] = (char)data[i];
			continue;
		}
		while (c->line_len[d] && c->line[d][c->line_len[d] - 1] == '\r')
			c->line_len[d]--;
		c->line[d][c->line_len[d]] = '\0';
		if (from_client)
			client_line(c, c->line[d], fn, ctx);
		else
			server_line(c, c->line[d], fn, ctx);
		c->line_len[d] = 0;
		if (c->tls && !from_client && !strncmp(c->line[d], "234", 3))
			return -EPROTO;
	}
	return 0;
}
