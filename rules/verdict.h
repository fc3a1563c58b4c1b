/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Findings of one stream: distinct (type, value) pairs, counted with a hash index so that a list
 * of thousands of citizens stays linear, and capped (settings.max_findings) so that memory stays
 * bounded. Private to rules/.
 */
#ifndef RAQIB_RULES_VERDICT_H
#define RAQIB_RULES_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "raqib/rules.h"

struct finding_set {
	struct rules_finding *items; /* first-seen order; values are personal data */
	size_t n, cap;
	uint32_t *slots; /* open addressing: 0 empty, else index + 1 */
	size_t n_slots; /* a power of two, at least twice n */
	size_t max; /* distinct values kept */
	bool overflow; /* a value was not kept because of max */
};

/* What one occurrence brings to the set. */
struct occurrence {
	const char *type;
	const char *rule_id;
	const char *value; /* normalised */
	float score;
	uint64_t offset;
	bool checksum;
	bool shadow;
	const char *context; /* context word or "column header"; may be NULL */
};

/* Records one occurrence: a new distinct value, or one more of a known one. 0 or -ENOMEM. */
int finding_set_add(struct finding_set *set, const struct occurrence *occ);

/* Moves the findings into v (which owns them afterwards); the set is empty again. */
void finding_set_move_to(struct finding_set *set, struct rules_verdict *v);

/* Wipes and frees the findings; the set is empty and usable again. */
void finding_set_clear(struct finding_set *set);

/* Writes value with all but its first characters replaced by '*' (at most half shown, 4 max). */
void mask_value(const char *value, char *out, size_t out_len);

#endif /* RAQIB_RULES_VERDICT_H */
