// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the rule-pack loader and compiler (YAML parsing, validation, Hyperscan
 * compilation). The input is one pack. A pack that loads is also used once, to scan its own text.
 */
#include <stdint.h>
#include <stdlib.h>

#include "raqib/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_error err;
	struct rules_verdict v;
	struct rules *rules;

	if (size > 64 * 1024)
		return 0; /* Hyperscan compile time grows with the pack: keep runs fast */
	rules = rules_load_text("fuzz.yml", (const char *)data, size, &err);
	if (!rules)
		return 0;
	if (rules_scan_buffer(rules, data, size, &v) == 0)
		rules_verdict_release(&v);
	rules_free(rules);
	return 0;
}
