// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: validation of BPF ring-buffer records (event_decode). The input is one record. */
#include <stdint.h>
#include <string.h>

#include "sensors/event_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union event_buf out;

	if (event_decode(data, size, &out) != 0)
		return 0;
	if (out.hdr.kind == RAQIB_EV_OPEN)
		return (int)strlen(out.open.path) < 0; /* the tail must be terminated */
	if (out.hdr.kind == RAQIB_EV_TLS_DATA && out.tls_data.len > RAQIB_TLS_CHUNK_MAX)
		__builtin_trap(); /* a length past the buffer was accepted */
	return 0;
}
