/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PDF text through poppler. Text comes out line by line in logical order: poppler gives the
 * characters of each word with their boxes, and pdf_layout.c rebuilds each line from their
 * positions (visual order, whatever order the file stored them in) and turns it into logical
 * order with the Unicode bidirectional algorithm (fribidi), so Arabic stored in visual order,
 * and the numbers inside it, read as they were written.
 *
 * poppler is a large C++ parser of a hostile format: extract_pdf() runs it in a child process
 * with a seccomp filter, no file descriptor but a pipe, rlimits on address space and CPU and
 * no core dumps, killed at the time limit. A crash, a hang or a memory blow-up of the parser
 * then costs one partial result, not the agent.
 */
#ifndef RAQIB_AGENT_EXTRACT_PDF_H
#define RAQIB_AGENT_EXTRACT_PDF_H

#include <stddef.h>

#include "extract_ctx.h"
#include "pdf_poppler.h"

/* The PDF extractor: parses in a sandboxed child process. */
int extract_pdf(struct extract_ctx *ctx, const void *buf, size_t len);

/* The same in this process, without isolation (fuzzing, and where fork is not wanted). */
int extract_pdf_inprocess(struct extract_ctx *ctx, const void *buf, size_t len);

/* Receives one line of text in logical order (UTF-8, no newline). Returns 0 or an error. */
typedef int (*pdf_line_fn)(void *arg, const char *utf8, size_t len);

/*
 * Reads the text of the PDF in buf, calling line for every line in reading order (an empty
 * line between pages). Sets *status and *damaged_pages (see pdf_poppler_words()). Returns 0,
 * the callback's error, or -ENOMEM.
 */
int pdf_text_lines(const void *buf, size_t len, pdf_line_fn line, void *arg,
		   enum pdf_open_status *status, unsigned *damaged_pages);

#endif /* RAQIB_AGENT_EXTRACT_PDF_H */
