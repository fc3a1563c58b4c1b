// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scan contexts: one per stream (file, TCP stream, TLS plaintext). The skeleton keeps the
 * stream in memory up to RULES_SCAN_MAX_BYTES and matches it at the end; what goes beyond is
 * not scanned and the verdict says so.
 */
#include "raqib/rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* Bytes of one stream kept for matching; beyond that the verdict is marked truncated. */
#define RULES_SCAN_MAX_BYTES (64u << 20)

struct rules_scan {
	const struct rules *rules;
	hs_scratch_t *scratch;
	char *buf; /* the stream so far: document text, wiped before release */
	size_t len, cap;
	bool truncated;
};

struct rules_scan *rules_scan_new(const struct rules *rules)
{
	struct rules_scan *scan = calloc(1, sizeof(*scan));

	if (!scan)
		return NULL;
	scan->rules = rules;
	if (hs_clone_scratch(rules->scratch, &scan->scratch) != HS_SUCCESS) {
		free(scan);
		errno = ENOMEM;
		return NULL;
	}
	return scan;
}

static void wipe_buffer(struct rules_scan *scan)
{
	if (scan->buf)
		explicit_bzero(scan->buf, scan->len);
	scan->len = 0;
	scan->truncated = false;
}

int rules_scan_begin_part(struct rules_scan *scan, enum rules_part part)
{
	/* The built-in detectors do not weigh parts; a line break keeps parts apart. */
	if (part > RULES_PART_ATTACHMENT)
		return -EINVAL;
	return scan->len ? rules_scan_feed(scan, "\n", 1) : 0;
}

int rules_scan_feed(struct rules_scan *scan, const void *buf, size_t len)
{
	size_t room = RULES_SCAN_MAX_BYTES - scan->len;

	if (len > room) {
		scan->truncated = true;
		len = room;
	}
	if (len == 0)
		return 0;
	if (scan->len + len > scan->cap) {
		size_t cap = scan->cap ? scan->cap : 4096;
		char *grown;

		while (cap < scan->len + len)
			cap *= 2;
		grown = malloc(cap);
		if (!grown)
			return -ENOMEM;
		if (scan->buf) {
			memcpy(grown, scan->buf, scan->len);
			explicit_bzero(scan->buf, scan->len);
			free(scan->buf);
		}
		scan->buf = grown;
		scan->cap = cap;
	}
	memcpy(scan->buf + scan->len, buf, len);
	scan->len += len;
	return 0;
}

int rules_scan_finish(struct rules_scan *scan, struct rules_verdict *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = engine_match(scan->rules, scan->scratch, scan->buf, scan->len, out);
	out->is_truncated = scan->truncated;
	wipe_buffer(scan);
	if (err)
		rules_verdict_release(out);
	return err;
}

void rules_scan_free(struct rules_scan *scan)
{
	if (!scan)
		return;
	wipe_buffer(scan);
	free(scan->buf);
	hs_free_scratch(scan->scratch);
	free(scan);
}

int rules_scan_buffer(const struct rules *rules, const void *buf, size_t len,
		      struct rules_verdict *out)
{
	struct rules_scan *scan = rules_scan_new(rules);
	int err;

	memset(out, 0, sizeof(*out));
	if (!scan)
		return -ENOMEM;
	err = rules_scan_feed(scan, buf, len);
	if (!err)
		err = rules_scan_finish(scan, out);
	rules_scan_free(scan);
	return err;
}
