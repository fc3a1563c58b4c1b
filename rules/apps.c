// SPDX-License-Identifier: GPL-2.0-only
/*
 * The app catalog (rules of kind app, rules/packs/messaging-apps.yml): which executables are
 * channels (messaging, webmail, file transfer) or browsers, and which servers, nDPI protocols
 * and address ranges are theirs.
 */
#include "engine.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "raqib/events.h"

static const char *const kind_names[] = {
	[RULES_APP_MESSAGING] = "messaging",
	[RULES_APP_BROWSER] = "browser",
	[RULES_APP_WEBMAIL] = "webmail",
	[RULES_APP_FILE_TRANSFER] = "file_transfer",
};

const char *rules_app_kind_name(enum rules_app_kind kind)
{
	return (size_t)kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind] ?
		       kind_names[kind] :
		       "?";
}

int rules_app_kind_from_name(const char *name)
{
	for (size_t k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (kind_names[k] && !strcmp(kind_names[k], name))
			return (int)k;
	return -1;
}

bool rules_app_is_channel(const struct rules_app *app)
{
	return app && app->kind != RULES_APP_BROWSER;
}

size_t rules_app_count(const struct rules *r)
{
	return r->n_apps;
}

const struct rules_app *rules_app_at(const struct rules *r, size_t i)
{
	return i < r->n_apps ? &r->apps[i].app : NULL;
}

const struct rules_app *rules_app_by_id(const struct rules *r, const char *id)
{
	for (size_t i = 0; id && i < r->n_apps; i++)
		if (!strcmp(r->apps[i].app.id, id))
			return &r->apps[i].app;
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

const struct rules_app *rules_app_by_exe(const struct rules *r, const char *exe_path)
{
	const char *name = base_name(exe_path);

	/* an install path says more than a file name: look at paths first */
	for (size_t i = 0; i < r->n_apps; i++) {
		const struct app_rule *a = &r->apps[i];

		for (size_t k = 0; a->meta.enabled && k < a->paths.n; k++)
			if (fnmatch(a->paths.items[k], exe_path, 0) == 0)
				return &a->app;
	}
	for (size_t i = 0; i < r->n_apps; i++) {
		const struct app_rule *a = &r->apps[i];

		for (size_t k = 0; a->meta.enabled && k < a->executables.n; k++)
			if (strcmp(a->executables.items[k], name) == 0)
				return &a->app;
	}
	return NULL;
}

const struct rules_app *rules_app_by_comm(const struct rules *r, const char *comm)
{
	size_t len = strnlen(comm, RAQIB_COMM_LEN);

	if (len == 0)
		return NULL;
	for (size_t i = 0; i < r->n_apps; i++) {
		const struct app_rule *a = &r->apps[i];

		for (size_t k = 0; a->meta.enabled && k < a->executables.n; k++) {
			const char *e = a->executables.items[k];

			/* comm is the executable name cut at RAQIB_COMM_LEN - 1 bytes */
			if (strlen(e) >= RAQIB_COMM_LEN - 1 ? len == RAQIB_COMM_LEN - 1 &&
								      strncmp(e, comm, len) == 0
							    : strcmp(e, comm) == 0)
				return &a->app;
		}
	}
	return NULL;
}

const char *const *rules_app_exe_names(const struct rules *r, size_t *n)
{
	*n = r->n_exe_names;
	return r->exe_names;
}

const struct rules_app *rules_app_by_server_name(const struct rules *r, const char *host)
{
	for (size_t i = 0; i < r->n_apps; i++) {
		const struct app_rule *a = &r->apps[i];

		for (size_t k = 0; a->meta.enabled && k < a->server_names.n; k++)
			if (host_pattern_match(a->server_names.items[k], host))
				return &a->app;
		for (size_t k = 0; a->meta.enabled && k < a->origins.n; k++)
			if (strcasecmp(a->origins.items[k], host) == 0)
				return &a->app;
	}
	return NULL;
}

/* nDPI names look like "TLS.WhatsApp" (master.app): compare each dotted component. */
static bool ndpi_name_has(const char *name, const char *want)
{
	size_t wl = strlen(want);

	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (len == wl && strncmp(p, want, len) == 0)
			return true;
		p += len + (dot ? 1 : 0);
	}
	return false;
}

const struct rules_app *rules_app_by_ndpi(const struct rules *r, const char *ndpi_name)
{
	for (size_t i = 0; i < r->n_apps; i++) {
		const struct app_rule *a = &r->apps[i];

		for (size_t k = 0; a->meta.enabled && k < a->ndpi.n; k++)
			if (ndpi_name_has(ndpi_name, a->ndpi.items[k]))
				return &a->app;
	}
	return NULL;
}

bool cidr_contains(const struct cidr *c, int family, const uint8_t *addr)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (c->family != family || memcmp(c->addr, addr, full) != 0)
		return false;
	return rest == 0 || ((c->addr[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

const struct rules_app *rules_app_by_ip(const struct rules *r, int family, const void *addr)
{
	return rules_app_by_endpoint(r, family, addr, 0);
}

const struct rules_app *rules_app_by_endpoint(const struct rules *r, int family, const void *addr,
					      uint16_t port)
{
	for (size_t i = 0; i < r->n_apps; i++) {
		const struct app_rule *a = &r->apps[i];

		for (size_t k = 0; a->meta.enabled && k < a->n_ranges; k++) {
			const struct cidr *c = &a->ranges[k];

			if ((c->port == 0 || c->port == port) && cidr_contains(c, family, addr))
				return &a->app;
		}
	}
	return NULL;
}

void rules_app_foreach_server_name(const struct rules *r,
				   void (*fn)(void *ctx, const struct rules_app *app,
					      const char *pattern),
				   void *ctx)
{
	for (size_t i = 0; i < r->n_apps; i++) {
		const struct app_rule *a = &r->apps[i];

		if (!a->meta.enabled || !rules_app_is_channel(&a->app))
			continue;
		for (size_t k = 0; k < a->server_names.n; k++)
			fn(ctx, &a->app, a->server_names.items[k]);
		for (size_t k = 0; k < a->origins.n; k++)
			fn(ctx, &a->app, a->origins.items[k]);
	}
}

void rules_app_foreach_range(const struct rules *r,
			     void (*fn)(void *ctx, const struct rules_app *app, int family,
					const uint8_t *addr, unsigned bits),
			     void *ctx)
{
	for (size_t i = 0; i < r->n_apps; i++) {
		const struct app_rule *a = &r->apps[i];

		if (!a->meta.enabled || !rules_app_is_channel(&a->app))
			continue;
		for (size_t k = 0; k < a->n_ranges; k++)
			if (a->ranges[k].port == 0) /* a port-bound range names no address alone */
				fn(ctx, &a->app, a->ranges[k].family, a->ranges[k].addr,
				   a->ranges[k].bits);
	}
}
