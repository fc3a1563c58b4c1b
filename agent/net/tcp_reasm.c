// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP reassembly (see tcp_reasm.h). Sequence numbers wrap at 2^32: every comparison is on the
 * signed 32-bit difference (RFC 793 section 3.3), valid while the distances involved stay
 * below 2^31, which the window bound guarantees.
 */
#include "tcp_reasm.h"

#include <stdlib.h>
#include <string.h>

struct reasm_segment {
	struct reasm_segment *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static void free_segment(struct tcp_reasm *r, struct reasm_budget *budget, struct reasm_segment *s)
{
	r->queued_bytes -= s->len;
	budget->used_bytes -= s->len;
	explicit_bzero(s->data, s->len);
	free(s);
}

/* Delivers data at seq, trimming what was delivered already. */
static int deliver_at(struct tcp_reasm *r, uint32_t seq, const uint8_t *data, size_t len,
		      uint64_t gap, reasm_deliver_fn deliver, void *ctx, struct reasm_stats *st)
{
	int32_t d = seq_diff(seq, r->next_seq);

	if (d < 0) {
		if ((size_t)-d >= len) {
			st->overlaps++;
			return 0;
		}
		st->overlaps++;
		data += -d;
		len -= (size_t)-d;
	}
	r->next_seq += (uint32_t)len;
	r->delivered += len;
	return len || gap ? deliver(ctx, data, len, gap) : 0;
}

/* Delivers the queued segments that are now contiguous. */
static int drain_queue(struct tcp_reasm *r, struct reasm_budget *budget, reasm_deliver_fn deliver,
		       void *ctx, struct reasm_stats *st)
{
	int err = 0;

	while (r->queue && seq_diff(r->queue->seq, r->next_seq) <= 0 && !err) {
		struct reasm_segment *s = r->queue;

		r->queue = s->next;
		err = deliver_at(r, s->seq, s->data, s->len, 0, deliver, ctx, st);
		free_segment(r, budget, s);
	}
	return err;
}

/* Queues a segment ahead of the stream, in sequence order. 0, or -ENOSPC at a bound. */
static int enqueue(struct tcp_reasm *r, struct reasm_budget *budget, uint32_t window, uint32_t seq,
		   const uint8_t *data, size_t len)
{
	struct reasm_segment **link = &r->queue;
	struct reasm_segment *s;

	if (r->queued_bytes + len > window || budget->used_bytes + len > budget->max_bytes)
		return -1;
	s = malloc(sizeof(*s) + len);
	if (!s)
		return -1;
	s->seq = seq;
	s->len = (uint32_t)len;
	memcpy(s->data, data, len);
	while (*link && seq_diff((*link)->seq, seq) <= 0)
		link = &(*link)->next;
	s->next = *link;
	*link = s;
	r->queued_bytes += (uint32_t)len;
	budget->used_bytes += len;
	return 0;
}

/* Skips the hole before the first queued segment and delivers from there. */
static int skip_hole(struct tcp_reasm *r, struct reasm_budget *budget, reasm_deliver_fn deliver,
		     void *ctx, struct reasm_stats *st)
{
	struct reasm_segment *s = r->queue;
	uint64_t gap;
	int err;

	if (!s)
		return 0;
	gap = (uint32_t)seq_diff(s->seq, r->next_seq);
	st->gaps++;
	st->gap_bytes += gap;
	r->queue = s->next;
	r->next_seq = s->seq;
	err = deliver_at(r, s->seq, s->data, s->len, gap, deliver, ctx, st);
	free_segment(r, budget, s);
	return err ? err : drain_queue(r, budget, deliver, ctx, st);
}

int tcp_reasm_segment(struct tcp_reasm *r, struct reasm_budget *budget, uint32_t window,
		      uint32_t seq, bool syn, const uint8_t *data, size_t len,
		      reasm_deliver_fn deliver, void *ctx, struct reasm_stats *st)
{
	int32_t d;
	int err;

	if (syn) {
		if (!r->started) {
			r->started = true;
			r->next_seq = seq + 1;
		}
		seq++; /* data on a SYN (TCP Fast Open) starts after it */
	}
	if (len == 0)
		return 0;
	if (!r->started) {
		/* the connection was picked up in its middle: the stream starts here */
		r->started = true;
		r->next_seq = seq;
	}
	d = seq_diff(seq, r->next_seq);
	if (d > (int32_t)window || (d < 0 && -(int64_t)d > (int64_t)window + (int64_t)len)) {
		st->out_of_window++;
		return 0;
	}
	if (d <= 0) {
		err = deliver_at(r, seq, data, len, 0, deliver, ctx, st);
		return err ? err : drain_queue(r, budget, deliver, ctx, st);
	}
	if (enqueue(r, budget, window, seq, data, len) == 0)
		return 0;
	/*
	 * No room to wait for the missing bytes: give up on them, deliver what waits, and take
	 * this segment if it now follows.
	 */
	st->dropped_bytes += len;
	err = skip_hole(r, budget, deliver, ctx, st);
	if (!err && r->queue)
		err = tcp_reasm_flush(r, budget, deliver, ctx, st);
	if (!err && enqueue(r, budget, window, seq, data, len) == 0) {
		st->dropped_bytes -= len;
		err = skip_hole(r, budget, deliver, ctx, st);
	}
	return err;
}

void tcp_reasm_skip(struct tcp_reasm *r, uint32_t seq, bool syn, size_t len)
{
	uint32_t end = seq + (syn ? 1u : 0u) + (uint32_t)len;

	if (!r->started || seq_diff(end, r->next_seq) > 0) {
		r->started = true;
		r->next_seq = end;
	}
}

int tcp_reasm_flush(struct tcp_reasm *r, struct reasm_budget *budget, reasm_deliver_fn deliver,
		    void *ctx, struct reasm_stats *st)
{
	int err = 0;

	while (r->queue && !err)
		err = skip_hole(r, budget, deliver, ctx, st);
	return err;
}

void tcp_reasm_release(struct tcp_reasm *r, struct reasm_budget *budget)
{
	while (r->queue) {
		struct reasm_segment *s = r->queue;

		r->queue = s->next;
		free_segment(r, budget, s);
	}
}
