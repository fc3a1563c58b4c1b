/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared body of the extraction fuzz targets: runs one format's extractor over the input with
 * tight limits (2 s, 16 MiB of text and of expansion), PDFs parsed in process so that the
 * fuzzer sees poppler's and the layout's crashes itself. No global state.
 */
#ifndef RAQIB_FUZZ_EXTRACT_H
#define RAQIB_FUZZ_EXTRACT_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "extract/extract_ctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_part(void *ctx, enum rules_part part)
{
	(void)ctx;
	return part <= RULES_PART_ATTACHMENT ? 0 : -EINVAL;
}

static int fuzz_feed(void *ctx, const void *buf, size_t len)
{
	volatile unsigned char sum = 0;
	const unsigned char *p = buf;

	(void)ctx;
	for (size_t i = 0; i < len; i++) /* every byte handed over must be readable */
		sum ^= p[i];
	return 0;
}

static void fuzz_extract(int (*extract)(struct extract_ctx *, const void *, size_t),
			 const uint8_t *data, size_t size)
{
	struct extract_sink sink = { fuzz_part, fuzz_feed, NULL };
	struct extract_limits limits;
	struct extract_result out;
	struct extract_ctx ctx;

	extract_limits_default(&limits);
	limits.max_ms = 2000;
	limits.max_text_bytes = 16u << 20;
	limits.max_expanded_bytes = 16u << 20;
	memset(&out, 0, sizeof(out));
	extract_ctx_init(&ctx, &limits, &sink, &out);
	ctx.pdf_in_process = true;
	extract(&ctx, data, size);
}

#endif /* RAQIB_FUZZ_EXTRACT_H */
