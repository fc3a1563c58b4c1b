/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state one extraction shares between the format extractors: where the text goes, the
 * limits and what has been spent of them (text fed, bytes expanded, time), the nesting depth
 * of containers, and the result being built. Every format extractor receives a struct
 * extract_ctx and goes through these helpers, so that each limit is enforced in one place.
 *
 * A format extractor returns 0 when it did what the content allowed (a damaged or encrypted
 * document is a result, recorded here) and a negative errno only when extraction must stop for
 * everyone (-ENOMEM, or an error the sink returned). After extract_ctx_stopped() is true it
 * returns as soon as it can.
 */
#ifndef RAQIB_AGENT_EXTRACT_CTX_H
#define RAQIB_AGENT_EXTRACT_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "extract.h"

struct extract_ctx {
	const struct extract_limits *limits;
	const struct extract_sink *sink;
	struct extract_result *out;
	unsigned depth; /* 0 for the file itself, +1 per container level */
	int64_t deadline_ns; /* CLOCK_MONOTONIC; 0 when there is no time limit */
	uint64_t expanded_bytes; /* decompressed by every container so far */
	bool stopped; /* a limit was reached: nothing more is extracted */
	unsigned ticks; /* calls since the clock was last read */
	bool pdf_in_process; /* parse PDFs in this process (fuzzing), not in a sandboxed child */
};

/* Starts an extraction of the file at depth 0 (reads the clock for the deadline). */
void extract_ctx_init(struct extract_ctx *ctx, const struct extract_limits *limits,
		      const struct extract_sink *sink, struct extract_result *out);

/* Announces a document part to the sink. Returns 0 or the sink's error. */
int extract_ctx_part(struct extract_ctx *ctx, enum rules_part part);

/*
 * Feeds UTF-8 text to the sink, up to the text limit (past it the result is partial and the
 * extraction stops). Returns 0 or the sink's error.
 */
int extract_ctx_feed(struct extract_ctx *ctx, const void *buf, size_t len);

/*
 * extract_ctx_feed() of the text of one table cell: TAB, CR and LF become spaces so that the
 * text cannot shift columns or rows.
 */
int extract_ctx_feed_cell(struct extract_ctx *ctx, const char *buf, size_t len);

/* extract_ctx_feed() of a NUL-terminated string. */
int extract_ctx_puts(struct extract_ctx *ctx, const char *s);

/*
 * True when extraction must stop: a limit was reached, or the time limit has just passed (then
 * the result becomes partial). Cheap enough to call per XML node: the clock is read every few
 * calls.
 */
bool extract_ctx_stopped(struct extract_ctx *ctx);

/* A limit stopped extraction: the result is partial with this reason, and nothing more is fed. */
void extract_ctx_limit(struct extract_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Part of the content could not be read (damage, unsupported feature): partial, go on. */
void extract_ctx_damaged(struct extract_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Password-protected content was left unseen: the result is "encrypted", go on. */
void extract_ctx_encrypted(struct extract_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The input is of a type without text: "not inspected" (only for the file itself). */
void extract_ctx_not_inspected(struct extract_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Accounts n more bytes decompressed from a container whose compressed size is
 * container_bytes and that has expanded *container_expanded bytes so far. Returns false (and
 * stops the extraction, partial) when the expanded-size or compression-ratio limit is passed.
 * The ratio is checked only past RATIO_FLOOR_BYTES of output, so that a small, very
 * compressible member (a 200-byte zip of 100 KiB of spaces) is not mistaken for a bomb.
 */
#define EXTRACT_RATIO_FLOOR_BYTES (1u << 20)
bool extract_ctx_expand(struct extract_ctx *ctx, uint64_t *container_expanded,
			uint64_t container_bytes, size_t n);

/*
 * Extracts a document found inside the current one (archive member, mail attachment) as a
 * RULES_PART_ATTACHMENT, one level deeper; past the depth limit the result is partial and the
 * member is skipped. buf stays the caller's. Returns 0 or a fatal negative errno.
 */
int extract_ctx_nested(struct extract_ctx *ctx, const void *buf, size_t len);

/*
 * Detects the type of buf and runs the extractor for it (extract.c). At depth 0 the detected
 * MIME type goes to the result.
 */
int extract_dispatch(struct extract_ctx *ctx, const void *buf, size_t len);

/* A growing buffer of document text, always NUL-terminated once used; wiped when it moves. */
struct text_buf {
	char *data;
	size_t len, cap;
};

/* Appends n bytes of p. Returns 0 or -ENOMEM. */
int text_buf_append(struct text_buf *b, const char *p, size_t n);

/* Wipes and frees the buffer; it is empty afterwards. */
void text_buf_release(struct text_buf *b);

/* Wipes and frees a buffer that held document text; accepts NULL. */
void extract_wipe_free(void *buf, size_t len);

#endif /* RAQIB_AGENT_EXTRACT_CTX_H */
