/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checking a record read from the BPF ring buffer before anyone casts it: its size against its
 * header and its kind, its version, the length of its tail. Pure functions, so they are unit
 * tested and fuzzed on their own.
 */
#ifndef RAQIB_AGENT_EVENT_DECODE_H
#define RAQIB_AGENT_EVENT_DECODE_H

#include <stddef.h>

#include "raqib/events.h"

/* Room for the largest record, aligned for every record type. */
union event_buf {
	struct raqib_event_hdr hdr;
	struct raqib_event_exec exec;
	struct raqib_event_exit exit;
	struct raqib_event_open open;
	struct raqib_event_fork fork;
	struct raqib_event_close close;
	struct raqib_event_connect connect;
	struct raqib_event_flow flow;
	struct raqib_event_tls_data tls_data;
	struct raqib_event_tls_bind tls_bind;
	struct raqib_event_packet packet;
	struct raqib_event_dest dest;
};

/*
 * Validates the record data[0..size) and copies it into out with its tail NUL-terminated (path
 * and filename tails; TLS data is binary, bounded by its len).
 * Returns 0, -EPROTO for a record too short, with a size that disagrees with its header or kind,
 * or with a tail length out of bounds, -EPROTONOSUPPORT for an unknown version, -ENOENT for an
 * unknown kind.
 */
int event_decode(const void *data, size_t size, union event_buf *out);

#endif /* RAQIB_AGENT_EVENT_DECODE_H */
