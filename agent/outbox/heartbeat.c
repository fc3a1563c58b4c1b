// SPDX-License-Identifier: GPL-2.0-only
/*
 * Heartbeat providers and the key/value list they fill (see heartbeat.h). The outbox sends
 * the list; this file only gathers it.
 */
#include "heartbeat.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct provider {
	heartbeat_provider_fn fn;
	void *ctx;
};

struct heartbeat {
	struct provider *providers;
	size_t n;
};

static struct heartbeat_field *slot(struct heartbeat_fields *fields, const char *key)
{
	size_t key_len = strlen(key);

	if (key_len >= HEARTBEAT_KEY_MAX) {
		fields->dropped++;
		return NULL;
	}
	for (size_t i = 0; i < fields->n; i++)
		if (strcmp(fields->f[i].key, key) == 0)
			return &fields->f[i];
	if (fields->n == HEARTBEAT_MAX_FIELDS) {
		fields->dropped++;
		return NULL;
	}
	memcpy(fields->f[fields->n].key, key, key_len + 1);
	return &fields->f[fields->n++];
}

void heartbeat_set(struct heartbeat_fields *fields, const char *key, const char *fmt, ...)
{
	struct heartbeat_field *f = slot(fields, key);
	va_list ap;
	int n;

	if (!f)
		return;
	va_start(ap, fmt);
	n = vsnprintf(f->value, sizeof(f->value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(f->value))
		fields->dropped++; /* cut: said, and counted */
}

void heartbeat_set_u64(struct heartbeat_fields *fields, const char *key, uint64_t value)
{
	heartbeat_set(fields, key, "%" PRIu64, value);
}

const char *heartbeat_get(const struct heartbeat_fields *fields, const char *key)
{
	for (size_t i = 0; i < fields->n; i++)
		if (strcmp(fields->f[i].key, key) == 0)
			return fields->f[i].value;
	return NULL;
}

struct heartbeat *heartbeat_new(void)
{
	return calloc(1, sizeof(struct heartbeat));
}

void heartbeat_free(struct heartbeat *heartbeat)
{
	if (!heartbeat)
		return;
	free(heartbeat->providers);
	free(heartbeat);
}

int heartbeat_add_provider(struct heartbeat *heartbeat, heartbeat_provider_fn fn, void *ctx)
{
	struct provider *p = reallocarray(heartbeat->providers, heartbeat->n + 1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	heartbeat->providers = p;
	p[heartbeat->n++] = (struct provider){ .fn = fn, .ctx = ctx };
	return 0;
}

void heartbeat_remove_provider(struct heartbeat *heartbeat, void *ctx)
{
	size_t kept = 0;

	for (size_t i = 0; i < heartbeat->n; i++)
		if (heartbeat->providers[i].ctx != ctx)
			heartbeat->providers[kept++] = heartbeat->providers[i];
	heartbeat->n = kept;
}

void heartbeat_collect(const struct heartbeat *heartbeat, struct heartbeat_fields *fields)
{
	fields->n = 0;
	fields->dropped = 0;
	for (size_t i = 0; i < heartbeat->n; i++)
		heartbeat->providers[i].fn(heartbeat->providers[i].ctx, fields);
	if (fields->dropped)
		heartbeat_set_u64(fields, "heartbeat.fields_dropped", fields->dropped);
}
