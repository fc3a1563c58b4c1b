/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLS plaintext streams: what a watched process wrote through one TLS connection (OpenSSL,
 * GnuTLS, NSS), as the TLS uprobes copied it, scanned by the rules as one stream per connection
 * (a scan context each, fed chunk by chunk: values cut between two writes are still found).
 * A stream ends when its socket closes, its process exits, it stays idle, or it grows past its
 * bound; its verdict then goes to the callback once. Bounded: past max_streams the least
 * recently used stream ends early. Plaintext is never kept beyond the scan context.
 */
#ifndef RAQIB_AGENT_TLS_STREAMS_H
#define RAQIB_AGENT_TLS_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raqib/events.h"
#include "raqib/rules.h"

struct tls_streams;

/* What is known of a stream when it ends. */
struct tls_stream_info {
	uint32_t pid;
	uint64_t start_ns;
	uint32_t uid;
	char comm[RAQIB_COMM_LEN];
	uint64_t conn;
	unsigned lib; /* RAQIB_TLS_* */
	bool bound; /* the socket (and its 4-tuple) is known */
	uint64_t sk;
	uint16_t family;
	uint16_t sport, dport;
	uint8_t saddr[16], daddr[16];
	uint64_t bytes; /* plaintext bytes scanned */
	uint64_t first_ns, last_ns;
};

/* A stream ended: verdict is the callee's to release (rules_verdict_release()). */
typedef void (*tls_stream_end_fn)(void *ctx, const struct tls_stream_info *info,
				  struct rules_verdict *verdict);

struct tls_streams_config {
	size_t max_streams;
	uint64_t idle_ns; /* a stream idle this long ends */
	uint64_t max_bytes; /* a stream ends (and a new one starts) past this many bytes */
	tls_stream_end_fn on_end;
	void *ctx;
};

struct tls_streams_stats {
	uint64_t records;
	uint64_t bytes;
	uint64_t streams;
	uint64_t evicted; /* ended early: too many streams */
	uint64_t scan_failed;
	size_t active;
};

/* rules must outlive the object (or be replaced by tls_streams_set_rules()). NULL + errno. */
struct tls_streams *tls_streams_new(const struct rules *rules,
				    const struct tls_streams_config *config);

/* Frees without ending streams (see tls_streams_flush()); accepts NULL. */
void tls_streams_free(struct tls_streams *ts);

/* Feeds a plaintext record to its stream (created on first sight). */
void tls_streams_data(struct tls_streams *ts, const struct raqib_event_tls_data *ev);

/* Records the socket a connection writes to. */
void tls_streams_bind(struct tls_streams *ts, const struct raqib_event_tls_bind *ev);

/* Ends the streams bound to socket sk of pid (it closed). */
void tls_streams_socket_closed(struct tls_streams *ts, uint32_t pid, uint64_t sk);

/* Ends the streams of pid (it exited). */
void tls_streams_process_exit(struct tls_streams *ts, uint32_t pid);

/* Ends idle streams. */
void tls_streams_tick(struct tls_streams *ts, uint64_t now_ns);

/* Ends every stream. */
void tls_streams_flush(struct tls_streams *ts);

/* Ends every stream with the old rules, then uses rules. Returns 0. */
int tls_streams_set_rules(struct tls_streams *ts, const struct rules *rules);

void tls_streams_get_stats(const struct tls_streams *ts, struct tls_streams_stats *stats);

#endif /* RAQIB_AGENT_TLS_STREAMS_H */
