// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the rule-pack loader and compiler (YAML parsing, layering, validation,
 * Hyperscan compilation). The input is one pack, or two separated by a line "---8<---": the
 * second is then a later layer (overrides, lists, replacement by name), as an administrator's
 * pack on a built-in one. A set that loads is also used once, to scan the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "raqib/rules.h"

#define SEPARATOR "\n---8<---\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_packs *packs;
	struct rules_error err;
	struct rules_verdict v;
	struct rules *rules;
	const char *text = (const char *)data, *cut;

	if (size > 64 * 1024)
		return 0; /* Hyperscan compile time grows with the pack: keep runs fast */
	packs = rules_packs_new();
	if (!packs)
		return 0;
	cut = memmem(text, size, SEPARATOR, strlen(SEPARATOR));
	if (rules_packs_add_text(packs, "base.yml", text, cut ? (size_t)(cut - text) : size) ||
	    (cut && (rules_packs_layer(packs, "admin") ||
		     rules_packs_add_text(packs, "admin.yml", cut + strlen(SEPARATOR),
					  size - (size_t)(cut - text) - strlen(SEPARATOR))))) {
		rules_packs_free(packs);
		return 0;
	}
	rules = rules_build(packs, &err);
	rules_packs_free(packs);
	if (!rules)
		return 0;
	if (rules_scan_buffer(rules, data, size, &v) == 0)
		rules_verdict_release(&v);
	rules_free(rules);
	return 0;
}
