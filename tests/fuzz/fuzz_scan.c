// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the text normaliser and the streaming scanner with the default packs. The first
 * two bytes choose where the input is cut into two chunks (UTF-8 sequences, lines and
 * identifiers split at any byte), the rest is the text.
 */
#include <stdint.h>
#include <stdlib.h>

#include "raqib/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rules *rules;
	static struct rules_scan *scan;
	struct rules_verdict v;
	size_t cut;

	if (!rules) {
		struct rules_error err;

		rules = rules_new_builtin(&err);
		scan = rules ? rules_scan_new(rules) : NULL;
		if (!scan)
			abort();
	}
	if (size < 3)
		return 0;
	cut = ((size_t)data[0] << 8 | data[1]) % (size - 1);
	data += 2;
	size -= 2;
	if (data[0] & 1)
		rules_scan_begin_part(scan, (enum rules_part)(data[0] % 6));
	if (rules_scan_feed(scan, data, cut) == 0 && rules_scan_feed(scan, data + cut, size - cut) == 0 &&
	    rules_scan_finish(scan, &v) == 0)
		rules_verdict_release(&v);
	return 0;
}
