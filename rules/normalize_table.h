/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The normalisation table generated at build time by rules/tools/gen_normalize_table.c (from
 * ICU): for each BMP code point, 0 when it is kept as is, else 1 + the offset in norm_pool of a
 * length byte followed by the UTF-8 bytes to emit (possibly none).
 */
#ifndef RAQIB_RULES_NORMALIZE_TABLE_H
#define RAQIB_RULES_NORMALIZE_TABLE_H

#include <stdint.h>

/* Longest replacement in bytes; a code point never expands beyond this. */
#define NORM_MAX_REPLACEMENT_BOUND 32

extern const uint32_t norm_index[0x10000];
extern const uint8_t norm_pool[];
extern const unsigned norm_max_replacement;

#endif /* RAQIB_RULES_NORMALIZE_TABLE_H */
