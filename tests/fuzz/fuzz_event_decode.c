// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: validation of BPF ring-buffer records (event_decode). The input is one record. */
#include <stdint.h>
#include <string.h>

#include "sensors/event_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union event_buf out;

	if (event_decode(data, size, &out) == 0 && out.hdr.kind == RAQIB_EV_OPEN)
		return (int)strlen(out.open.path) < 0; /* the tail must be terminated */
	return 0;
}
