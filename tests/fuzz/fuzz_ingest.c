// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: collector stream-entry validation (ingest_head, then ingest_alert or
 * ingest_heartbeat as the collector runs them once the signature holds). The input is split at
 * NUL bytes into name, value, name, value...: the field list of one stream entry.
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
	struct ingest_head head;
	char reason[256];
	json_t *hb;

	for (size_t i = 0; i <= size && n < 2 * MAX_FIELDS; i++) {
		if (i == size || data[i] == 0) {
			parts[n] = (const char *)data + start;
			lens[n++] = i - start;
			start = i + 1;
		}
	}
	for (size_t i = 0; i + 1 < n; i += 2)
		fields[i / 2] = (struct stream_field){ parts[i], lens[i], parts[i + 1], lens[i + 1] };
	if (ingest_head(fields, n / 2, "ws-1", &head, reason, sizeof(reason)) != 0)
		return 0;
	if (head.kind == INGEST_ALERT) {
		if (ingest_alert(&head, &entry, reason, sizeof(reason)) == 0)
			ingest_entry_release(&entry);
	} else {
		hb = ingest_heartbeat(&head, reason, sizeof(reason));
		json_decref(hb);
	}
	return 0;
}
