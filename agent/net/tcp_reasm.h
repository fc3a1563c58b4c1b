/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP reassembly of one direction of a connection: segments in, the byte stream out, in
 * sequence order, each byte once. Retransmitted and overlapping bytes are trimmed (the first
 * copy wins, as the receiver's stack keeps it), segments ahead of the next expected byte wait in
 * a queue bounded per direction (window_bytes) and for all flows together (a shared budget),
 * and segments too far ahead or behind to belong to the stream are dropped and counted. When
 * a hole cannot be filled (the queue is full, or the stream ends), the stream goes on past it
 * and the receiver is told how many bytes are missing.
 */
#ifndef RAQIB_AGENT_TCP_REASM_H
#define RAQIB_AGENT_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reasm_segment;

/* Bytes held in queues by all flows, against a bound. */
struct reasm_budget {
	uint64_t max_bytes;
	uint64_t used_bytes;
};

struct reasm_stats {
	uint64_t gaps; /* holes skipped */
	uint64_t gap_bytes;
	uint64_t out_of_window; /* segments dropped: too far from the expected sequence number */
	uint64_t overlaps; /* segments trimmed or dropped as already delivered */
	uint64_t dropped_bytes; /* bytes that could not be queued (a bound) */
};

struct tcp_reasm {
	bool started; /* next_seq is known */
	uint32_t next_seq; /* sequence number of the next byte to deliver */
	uint32_t queued_bytes;
	struct reasm_segment *queue; /* out-of-order segments, by sequence number */
	uint64_t delivered; /* bytes delivered so far */
};

/*
 * Receives the next bytes of the stream; gap_bytes > 0 says that many bytes are missing before
 * them. Returns 0 to go on.
 */
typedef int (*reasm_deliver_fn)(void *ctx, const uint8_t *data, size_t len, uint64_t gap_bytes);

/*
 * Takes a segment (seq: its sequence number, syn: the SYN flag, which takes one sequence
 * number) and delivers what became contiguous. window_bytes bounds what waits in this
 * direction's queue and how far ahead a segment may start. Returns what deliver returned, or 0.
 */
int tcp_reasm_segment(struct tcp_reasm *r, struct reasm_budget *budget, uint32_t window_bytes,
		      uint32_t seq, bool syn, const uint8_t *data, size_t len,
		      reasm_deliver_fn deliver, void *ctx, struct reasm_stats *stats);

/*
 * Moves the stream past a segment nobody reads (a direction not inspected yet), so that
 * reading can start after it without waiting for those bytes.
 */
void tcp_reasm_skip(struct tcp_reasm *r, uint32_t seq, bool syn, size_t len);

/* Delivers what waits in the queue, holes and all (end of the stream). Returns as above. */
int tcp_reasm_flush(struct tcp_reasm *r, struct reasm_budget *budget, reasm_deliver_fn deliver,
		    void *ctx, struct reasm_stats *stats);

/* Frees the queue (its bytes are wiped: they may be document text). */
void tcp_reasm_release(struct tcp_reasm *r, struct reasm_budget *budget);

#endif /* RAQIB_AGENT_TCP_REASM_H */
