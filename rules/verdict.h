/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building a rules_verdict: adding findings with distinct-value counting, masking values.
 * Private to rules/.
 */
#ifndef RAQIB_RULES_VERDICT_H
#define RAQIB_RULES_VERDICT_H

#include "raqib/rules.h"

/*
 * Records one occurrence of value (already normalised) of type: a new distinct finding, or one
 * more occurrence of a known one (keeping the highest score). Returns 0 or -ENOMEM; -E2BIG when
 * the value does not fit RULES_VALUE_MAX.
 */
int verdict_add(struct rules_verdict *v, const char *type, const char *rule_id, const char *value,
		float score, uint64_t offset);

/* Distinct values of type in the verdict. */
size_t verdict_count_type(const struct rules_verdict *v, const char *type);

/* Writes value with all but its first characters replaced by '*' (at most half shown, 4 max). */
void mask_value(const char *value, char *out, size_t out_len);

#endif /* RAQIB_RULES_VERDICT_H */
