/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text from alerts made safe for a terminal. Paths, host and process names come from the
 * watched machines: a file named with an escape sequence could move the cursor, rewrite what
 * raqibctl printed before it, or set the terminal's title; a right-to-left override could show
 * "gpj.exe" as "exe.jpg". Every such character becomes '?'.
 */
#ifndef RAQIB_COLLECTOR_TERM_TEXT_H
#define RAQIB_COLLECTOR_TERM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Replaces in place, each by one '?': C0 controls (tab and newline too: one field, one line),
 * DEL, C1 controls (U+0080 to U+009F), the bidi embeddings, overrides and isolates (U+202A to
 * U+202E, U+2066 to U+2069), and bytes that are not UTF-8. Returns how many were replaced.
 */
size_t term_text_clean(char *text);

/*
 * The UTF-8 sequence at s (at most avail bytes): its length (1 to 4) and code point, or 0 when
 * it is not UTF-8 (overlong, a surrogate, past U+10FFFF, cut).
 */
size_t term_utf8_at(const unsigned char *s, size_t avail, unsigned *cp);

/* True for the code points term_text_clean() replaces: controls, bidi overrides, isolates. */
bool term_is_unsafe(unsigned cp, bool allow_newlines);

/* Epoch milliseconds as people read them, UTC: "2026-12-08 10:00:00" ("-" for none). */
void term_time_utc(int64_t ms, char *out, size_t len);

#endif /* RAQIB_COLLECTOR_TERM_TEXT_H */
