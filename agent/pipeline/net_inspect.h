/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network path of the pipeline: parses IP/TCP/UDP, keeps flows, names their protocol with
 * nDPI, scans what clients send in clear over TCP, and raises an alert when a stream carries
 * personal data or an official document. It is a packet_sink_fn for the packet sensors.
 */
#ifndef RAQIB_AGENT_NET_INSPECT_H
#define RAQIB_AGENT_NET_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "raqib/rules.h"
#include "outbox/alert.h"
#include "packet.h"

struct net_inspect;

struct net_inspect_config {
	size_t max_flows; /* flow table bound */
	uint64_t idle_timeout_us; /* flows idle this long (capture time) end */
};

struct net_inspect_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t malformed; /* bad or cut IP/TCP/UDP headers: counted, skipped */
	uint64_t not_tcp_udp; /* other protocols, non-first fragments */
	uint64_t flows;
	uint64_t flows_evicted; /* pushed out at the flow bound before their end */
	uint64_t streams_scanned;
	uint64_t stream_gaps; /* TCP segments that did not follow the previous one */
	uint64_t alerts;
	uint64_t shadow; /* decisions of rules in shadow mode: counted, not alerted */
	uint64_t alerts_failed;
};

/* rules must outlive the object. NULL + errno on failure (nDPI or memory). */
struct net_inspect *net_inspect_new(const struct rules *rules, alert_sink_fn sink, void *sink_ctx,
				    const struct net_inspect_config *config);

/* Ends every flow still open (scanning and alerting as at a close) and frees; accepts NULL. */
void net_inspect_free(struct net_inspect *net);

/* packet_sink_fn: ctx is a struct net_inspect. Bad packets are counted; returns 0. */
int net_inspect_on_packet(void *ctx, const struct packet *pkt);

/* Ends every flow still open, as at the end of a capture. */
void net_inspect_flush(struct net_inspect *net);

void net_inspect_get_stats(const struct net_inspect *net, struct net_inspect_stats *stats);

#endif /* RAQIB_AGENT_NET_INSPECT_H */
