// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: collector stream-entry validation (ingest_parse). The input is split at NUL
 * bytes into name, value, name, value...: the field list of one stream entry.
 */
#include <stdint.h>
#include <string.h>

#include "ingest.h"

#define MAX_FIELDS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream_field fields[MAX_FIELDS];
	const char *parts[2 * MAX_FIELDS];
	size_t lens[2 * MAX_FIELDS];
	size_t n = 0, start = 0;
	struct ingest_entry entry;
	char reason[256];

	for (size_t i = 0; i <= size && n < 2 * MAX_FIELDS; i++) {
		if (i == size || data[i] == 0) {
			parts[n] = (const char *)data + start;
			lens[n++] = i - start;
			start = i + 1;
		}
	}
	for (size_t i = 0; i + 1 < n; i += 2)
		fields[i / 2] = (struct stream_field){ parts[i], lens[i], parts[i + 1], lens[i + 1] };
	if (ingest_parse(fields, n / 2, &entry, reason, sizeof(reason)) == 0)
		ingest_entry_release(&entry);
	return 0;
}
