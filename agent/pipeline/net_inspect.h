/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network path of the pipeline: parses IP/TCP/UDP, keeps flows, names their protocol with
 * nDPI and their app with the catalog (net/attribution.h), learns server names from DNS answers
 * and TLS SNI, reassembles what clients send in clear (HTTP request bodies, SMTP mail, FTP
 * uploads) and raises an alert when an uploaded file or message carries personal data or an
 * official document. It is a packet_sink_fn for the packet sensors. Each flow that ends is
 * reported as a record (5-tuple, Community ID, app, volume, upload bursts) to an optional sink:
 * what `replay --flows` prints and what the correlator matches file reads against.
 */
#ifndef RAQIB_AGENT_NET_INSPECT_H
#define RAQIB_AGENT_NET_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "raqib/rules.h"
#include "outbox/alert.h"
#include "conn_table.h"
#include "flow_table.h"
#include "packet.h"

struct extract_limits;

struct net_inspect;

/* A flow that ended, as the flow sink receives it; everything is borrowed for the call. */
struct net_flow_record {
	const struct flow *flow; /* 5-tuple, VLAN, times, bytes/packets, TCP state, bursts */
	enum flow_end end; /* why it ended */
	const char *community_id; /* "1:..." */
	const char *ndpi_name; /* "TLS.WhatsAppFiles", "Unknown" */
	const char *server_name; /* TLS SNI or HTTP Host seen in the flow, or NULL */
	const char *dns_name; /* the name a DNS answer gave the server's address, or NULL */
	const struct rules_app *app; /* catalog app, or NULL */
	const char *app_source; /* which clue named the app (net/attribution.h), or NULL */
	const struct conn_owner *owner; /* the process owning it (conn_table), or NULL */
};

/* Receives each flow that ends. */
typedef void (*net_flow_sink_fn)(void *ctx, const struct net_flow_record *record);

struct net_inspect_config {
	size_t max_flows; /* flow table bound */
	uint64_t idle_timeout_us; /* established TCP and UDP flows idle this long (capture time) end */
	/* Optional (0: defaults): */
	uint64_t tcp_new_timeout_us; /* handshakes that never complete (default 30 s) */
	uint64_t tcp_closed_timeout_us; /* closed connections, for late segments (default 10 s) */
	size_t max_names; /* server names kept by address (default 65536) */
	uint64_t max_object_bytes; /* bytes of one uploaded file or mail inspected (default 16 MiB) */
	uint64_t max_buffered_bytes; /* out-of-order and object bytes held, all flows (default 256 MiB) */
	net_flow_sink_fn flow_sink; /* NULL: flows are not reported */
	void *flow_sink_ctx;
	const struct conn_table *conns; /* connection owners (host sensor), or NULL */
	/* extraction limits of uploaded objects (max_read_bytes: max_object_bytes); NULL: defaults */
	const struct extract_limits *limits;
};

struct net_inspect_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t malformed; /* bad or cut IP/TCP/UDP headers: counted, skipped */
	uint64_t not_tcp_udp; /* other protocols, non-first fragments */
	uint64_t tunneled; /* GTP-U packets inspected as the packet they carry */
	uint64_t flows;
	uint64_t flows_evicted; /* pushed out at the flow bound before their end */
	uint64_t streams_scanned; /* uploaded files, mails and FTP transfers inspected */
	uint64_t stream_gaps; /* holes in reassembled streams (lost or never captured segments) */
	uint64_t alerts;
	uint64_t shadow; /* decisions of rules in shadow mode: counted, not alerted */
	uint64_t alerts_failed;
	uint64_t flows_expired;
	uint64_t flows_attributed; /* flows that ended with an app */
	uint64_t dns_answers; /* address records learnt from DNS */
	uint64_t dns_malformed;
	uint64_t segments_out_of_window; /* TCP segments too far ahead or behind: dropped */
	uint64_t segments_overlapping; /* retransmitted or overlapping bytes trimmed */
	uint64_t reassembly_dropped; /* bytes dropped at the per-flow or global buffer bound */
	uint64_t objects_truncated; /* files or mails larger than max_object_bytes */
	uint64_t parse_errors; /* HTTP/SMTP/FTP streams that stopped making sense */
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

/*
 * Ends the flows idle for longer than their timeout at now_us (epoch microseconds): for live
 * capture, where time goes on without packets. Replay expires by capture time on its own.
 */
void net_inspect_expire(struct net_inspect *net, uint64_t now_us);

/*
 * Switches to new rules (a reload): what was learnt about apps is forgotten, server names are
 * kept. rules must outlive the object; the old rules may be freed once this returns 0.
 * Returns 0, or -ENOMEM (the old rules stay in use).
 */
int net_inspect_set_rules(struct net_inspect *net, const struct rules *rules);

void net_inspect_get_stats(const struct net_inspect *net, struct net_inspect_stats *stats);

/*
 * The server name the network path learnt for addr (DNS answer, TLS SNI, HTTP Host), or NULL:
 * for the host-side correlator (which site did a browser's connection go to). The string is
 * borrowed until the next packet.
 */
const char *net_inspect_server_name(const struct net_inspect *net, int family, const uint8_t *addr);

/* Bytes the network path holds per flow on average (flow table entry, state, nDPI). */
size_t net_inspect_flow_state_bytes(void);

#endif /* RAQIB_AGENT_NET_INSPECT_H */
