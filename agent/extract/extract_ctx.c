// SPDX-License-Identifier: GPL-2.0-only
/*
 * Limits and result bookkeeping shared by every format extractor (see extract_ctx.h): the text
 * budget, the expanded-size and ratio budget of containers, the nesting depth, the deadline,
 * and the first reason that made the result partial, encrypted or not inspected.
 */
#include "extract_ctx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Read the clock once every this many extract_ctx_stopped() calls. */
#define CLOCK_EVERY 64

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void extract_ctx_init(struct extract_ctx *ctx, const struct extract_limits *limits,
		      const struct extract_sink *sink, struct extract_result *out)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->limits = limits;
	ctx->sink = sink;
	ctx->out = out;
	if (limits->max_ms)
		ctx->deadline_ns = now_ns() + (int64_t)limits->max_ms * 1000000;
}

/*
 * Sets the status and its reason. The first reason stays: a complete result becomes partial,
 * encrypted or not inspected once; only "encrypted" overrides "partial", since an encrypted
 * container is what a policy alerts on.
 */
__attribute__((format(printf, 3, 0))) static void
set_status(struct extract_ctx *ctx, enum extract_status status, const char *fmt, va_list ap)
{
	enum extract_status now = ctx->out->status;

	if (now == status || (now != EXTRACT_COMPLETE && status != EXTRACT_ENCRYPTED))
		return;
	ctx->out->status = status;
	vsnprintf(ctx->out->reason, sizeof(ctx->out->reason), fmt, ap);
}

void extract_ctx_limit(struct extract_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	ctx->stopped = true;
	va_start(ap, fmt);
	set_status(ctx, EXTRACT_PARTIAL, fmt, ap);
	va_end(ap);
}

void extract_ctx_damaged(struct extract_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_status(ctx, EXTRACT_PARTIAL, fmt, ap);
	va_end(ap);
}

void extract_ctx_encrypted(struct extract_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_status(ctx, EXTRACT_ENCRYPTED, fmt, ap);
	va_end(ap);
}

void extract_ctx_not_inspected(struct extract_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	/* inside a container, a member without text (a photo in a zip) is simply skipped */
	if (ctx->depth > 0)
		return;
	va_start(ap, fmt);
	set_status(ctx, EXTRACT_NOT_INSPECTED, fmt, ap);
	va_end(ap);
}

bool extract_ctx_stopped(struct extract_ctx *ctx)
{
	if (ctx->stopped)
		return true;
	if (!ctx->deadline_ns || ++ctx->ticks < CLOCK_EVERY)
		return false;
	ctx->ticks = 0;
	if (now_ns() < ctx->deadline_ns)
		return false;
	extract_ctx_limit(ctx, "time limit of %u ms reached", ctx->limits->max_ms);
	return true;
}

int extract_ctx_part(struct extract_ctx *ctx, enum rules_part part)
{
	if (ctx->stopped)
		return 0;
	return ctx->sink->begin_part(ctx->sink->ctx, part);
}

int extract_ctx_feed(struct extract_ctx *ctx, const void *buf, size_t len)
{
	uint64_t room;

	if (extract_ctx_stopped(ctx) || len == 0)
		return 0;
	room = ctx->limits->max_text_bytes - ctx->out->text_bytes;
	if (ctx->out->text_bytes >= ctx->limits->max_text_bytes)
		room = 0;
	if (len > room) {
		len = (size_t)room;
		extract_ctx_limit(ctx, "text limit of %llu bytes reached",
				  (unsigned long long)ctx->limits->max_text_bytes);
		if (len == 0)
			return 0;
	}
	ctx->out->text_bytes += len;
	return ctx->sink->feed(ctx->sink->ctx, buf, len);
}

int extract_ctx_feed_cell(struct extract_ctx *ctx, const char *buf, size_t len)
{
	size_t start = 0;
	int err = 0;

	for (size_t i = 0; i < len && !err; i++) {
		if (buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n')
			continue;
		err = extract_ctx_feed(ctx, buf + start, i - start);
		if (!err)
			err = extract_ctx_feed(ctx, " ", 1);
		start = i + 1;
	}
	if (!err)
		err = extract_ctx_feed(ctx, buf + start, len - start);
	return err;
}

int extract_ctx_puts(struct extract_ctx *ctx, const char *s)
{
	return extract_ctx_feed(ctx, s, strlen(s));
}

bool extract_ctx_expand(struct extract_ctx *ctx, uint64_t *container_expanded,
			uint64_t container_bytes, size_t n)
{
	const struct extract_limits *l = ctx->limits;

	ctx->expanded_bytes += n;
	*container_expanded += n;
	if (ctx->expanded_bytes > l->max_expanded_bytes) {
		extract_ctx_limit(ctx, "expanded size limit of %llu bytes reached",
				  (unsigned long long)l->max_expanded_bytes);
		return false;
	}
	if (l->max_ratio > 0 && *container_expanded > EXTRACT_RATIO_FLOOR_BYTES &&
	    (double)*container_expanded >
		    l->max_ratio * (double)(container_bytes ? container_bytes : 1)) {
		extract_ctx_limit(ctx, "compression ratio limit of %.0f reached", l->max_ratio);
		return false;
	}
	return true;
}

int extract_ctx_nested(struct extract_ctx *ctx, const void *buf, size_t len)
{
	int err;

	if (extract_ctx_stopped(ctx))
		return 0;
	if (ctx->depth + 1 > ctx->limits->max_depth) {
		extract_ctx_limit(ctx, "nesting depth limit of %u reached", ctx->limits->max_depth);
		return 0;
	}
	err = extract_ctx_part(ctx, RULES_PART_ATTACHMENT);
	if (err)
		return err;
	ctx->depth++;
	err = extract_dispatch(ctx, buf, len);
	ctx->depth--;
	return err;
}

void extract_wipe_free(void *buf, size_t len)
{
	if (!buf)
		return;
	explicit_bzero(buf, len);
	free(buf);
}

int text_buf_append(struct text_buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		grown = malloc(cap);
		if (!grown)
			return -ENOMEM;
		if (b->data)
			memcpy(grown, b->data, b->len);
		extract_wipe_free(b->data, b->cap);
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

void text_buf_release(struct text_buf *b)
{
	extract_wipe_free(b->data, b->cap);
	memset(b, 0, sizeof(*b));
}
