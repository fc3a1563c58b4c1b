// SPDX-License-Identifier: GPL-2.0-only
/*
 * Verdicts of the detection engine: the distinct values found per type, their masked forms,
 * and the release that wipes them. Values are personal data, so every buffer that held one is
 * cleared before it is freed.
 */
#include "verdict.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

void mask_value(const char *value, char *out, size_t out_len)
{
	size_t len = strlen(value);
	size_t shown = len >= 8 ? 4 : len / 2;
	size_t i;

	if (out_len == 0)
		return;
	for (i = 0; i < len && i + 1 < out_len; i++)
		out[i] = i < shown ? value[i] : '*';
	out[i] = '\0';
}

int verdict_add(struct rules_verdict *v, const char *type, const char *rule_id, const char *value,
		float score, uint64_t offset)
{
	struct rules_finding *f;
	size_t i;

	if (strlen(value) >= RULES_VALUE_MAX)
		return -E2BIG;
	for (i = 0; i < v->n_findings; i++) {
		f = &v->findings[i];
		if (strcmp(f->type, type) == 0 && strcmp(f->value, value) == 0) {
			f->occurrences++;
			if (score > f->score)
				f->score = score;
			return 0;
		}
	}
	/* Grow by one; findings per stream are few, and the old array is wiped before free. */
	f = calloc(v->n_findings + 1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	if (v->n_findings) {
		memcpy(f, v->findings, v->n_findings * sizeof(*f));
		explicit_bzero(v->findings, v->n_findings * sizeof(*f));
	}
	free(v->findings);
	v->findings = f;
	f = &v->findings[v->n_findings++];
	snprintf(f->type, sizeof(f->type), "%s", type);
	snprintf(f->rule_id, sizeof(f->rule_id), "%s", rule_id);
	snprintf(f->value, sizeof(f->value), "%s", value);
	mask_value(value, f->masked, sizeof(f->masked));
	f->occurrences = 1;
	f->score = score;
	f->first_offset = offset;
	return 0;
}

size_t verdict_count_type(const struct rules_verdict *v, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n_findings; i++)
		n += strcmp(v->findings[i].type, type) == 0;
	return n;
}

void rules_verdict_release(struct rules_verdict *verdict)
{
	if (!verdict)
		return;
	if (verdict->findings)
		explicit_bzero(verdict->findings, verdict->n_findings * sizeof(*verdict->findings));
	free(verdict->findings);
	memset(verdict, 0, sizeof(*verdict));
}

bool rules_verdict_is_sensitive(const struct rules_verdict *verdict)
{
	return verdict->n_findings > 0 || verdict->is_official || verdict->level != RULES_LEVEL_NONE;
}

const char *rules_level_name(enum rules_level level)
{
	switch (level) {
	case RULES_LEVEL_RESTRICTED:
		return "RESTRICTED";
	case RULES_LEVEL_CONFIDENTIAL:
		return "CONFIDENTIAL";
	case RULES_LEVEL_SECRET:
		return "SECRET";
	case RULES_LEVEL_TOP_SECRET:
		return "TOP_SECRET";
	case RULES_LEVEL_NONE:
		break;
	}
	return NULL;
}
