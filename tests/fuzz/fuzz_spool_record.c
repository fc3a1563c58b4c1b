// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the spool's record decoder (spool_record_decode), which meets whatever a crash,
 * a bad disk or a hand on the files left in a spool. The input is a stretch of a segment; the
 * decoder walks it as recovery does, record after record, skipping a byte after damage.
 */
#include <stdint.h>
#include <string.h>

#include "outbox/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;

	while (pos < size) {
		struct spool_record rec;
		size_t n = 0;
		int rc = spool_record_decode(data + pos, size - pos, &rec, &n);

		if (rc == 0) {
			/* the record lies within the input */
			if (n < SPOOL_RECORD_HEADER_BYTES || n > size - pos ||
			    rec.data + rec.len != data + pos + n)
				__builtin_trap();
			pos += n;
		} else {
			pos++;
		}
	}
	return 0;
}
