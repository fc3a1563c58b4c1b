// SPDX-License-Identifier: GPL-2.0-only
/*
 * Findings and verdicts of the detection engine: distinct values per type with their masked
 * forms, and the release that wipes them. Values are personal data, so every buffer that held
 * one is cleared before it is freed.
 */
#include "verdict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

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

static uint32_t hash_pair(const char *type, const char *value)
{
	uint32_t h = 2166136261u;

	for (const char *p = type; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (const char *p = value; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

static int rehash(struct finding_set *s, size_t n_slots)
{
	uint32_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		size_t k = hash_pair(s->items[i].type, s->items[i].value) & (n_slots - 1);

		while (slots[k])
			k = (k + 1) & (n_slots - 1);
		slots[k] = (uint32_t)i + 1;
	}
	free(s->slots);
	s->slots = slots;
	s->n_slots = n_slots;
	return 0;
}

static int grow_items(struct finding_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 16;
	struct rules_finding *items = calloc(cap, sizeof(*items));

	if (!items)
		return -ENOMEM;
	if (s->n) {
		memcpy(items, s->items, s->n * sizeof(*items));
		explicit_bzero(s->items, s->n * sizeof(*items));
	}
	free(s->items);
	s->items = items;
	s->cap = cap;
	return 0;
}

int finding_set_add(struct finding_set *s, const struct occurrence *o)
{
	struct rules_finding *f;
	size_t k;

	if (strlen(o->value) >= RULES_VALUE_MAX)
		return 0; /* longer than any identifier we know: not one */
	if (!s->n_slots && rehash(s, 64))
		return -ENOMEM;
	k = hash_pair(o->type, o->value) & (s->n_slots - 1);
	for (; s->slots[k]; k = (k + 1) & (s->n_slots - 1)) {
		f = &s->items[s->slots[k] - 1];
		if (strcmp(f->type, o->type) == 0 && strcmp(f->value, o->value) == 0) {
			f->occurrences++;
			if (o->score > f->score)
				f->score = o->score;
			if (o->checksum)
				f->checksum = true;
			if (!f->context[0] && o->context)
				snprintf(f->context, sizeof(f->context), "%s", o->context);
			return 0;
		}
	}
	if (s->max && s->n >= s->max) {
		s->overflow = true;
		return 0;
	}
	if (s->n == s->cap && grow_items(s))
		return -ENOMEM;
	f = &s->items[s->n];
	snprintf(f->type, sizeof(f->type), "%s", o->type);
	snprintf(f->rule_id, sizeof(f->rule_id), "%s", o->rule_id);
	snprintf(f->value, sizeof(f->value), "%s", o->value);
	mask_value(o->value, f->masked, sizeof(f->masked));
	f->occurrences = 1;
	f->score = o->score;
	f->first_offset = o->offset;
	f->checksum = o->checksum;
	f->shadow = o->shadow;
	if (o->context)
		snprintf(f->context, sizeof(f->context), "%s", o->context);
	s->slots[k] = (uint32_t)++s->n;
	if (s->n * 2 > s->n_slots)
		return rehash(s, s->n_slots * 2);
	return 0;
}

void finding_set_move_to(struct finding_set *s, struct rules_verdict *v)
{
	v->findings = s->items;
	v->n_findings = s->n;
	if (s->overflow)
		v->is_truncated = true;
	free(s->slots);
	s->items = NULL;
	s->slots = NULL;
	s->n = s->cap = s->n_slots = 0;
	s->overflow = false;
}

void finding_set_clear(struct finding_set *s)
{
	if (s->items)
		explicit_bzero(s->items, s->cap * sizeof(*s->items));
	free(s->items);
	free(s->slots);
	s->items = NULL;
	s->slots = NULL;
	s->n = s->cap = s->n_slots = 0;
	s->overflow = false;
}

size_t rules_verdict_count(const struct rules_verdict *v, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n_findings; i++)
		n += !v->findings[i].shadow && strcmp(v->findings[i].type, type) == 0;
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
	for (size_t i = 0; i < verdict->n_findings; i++)
		if (!verdict->findings[i].shadow)
			return true;
	return verdict->is_official || verdict->level != RULES_LEVEL_NONE ||
	       verdict->fingerprint[0];
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
