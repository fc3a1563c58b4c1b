// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network path of the pipeline (see net_inspect.h). Per packet: parse the IP and transport
 * headers within the captured bytes, find the flow, let nDPI classify it until it is sure, and
 * feed the client's TCP payload, in sequence order, to the flow's scan context. When the flow
 * ends (FIN from both sides, RST, idle timeout, end of capture) the scan is finished and a
 * sensitive verdict becomes an alert naming the destination and the protocol.
 */
#include "net_inspect.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ndpi/ndpi_api.h>

#include "raqib/log.h"
#include "raqib/schema.h"
#include "flow_table.h"
#include "smtp_filter.h"

/* nDPI needs a handful of packets per flow; past this it is asked for its best guess. */
#define NDPI_MAX_PACKETS 64

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

struct net_inspect {
	const struct rules *rules;
	alert_sink_fn sink;
	void *sink_ctx;
	struct net_inspect_config config;
	struct ndpi_detection_module_struct *ndpi;
	struct flow_table *flows;
	uint64_t last_expire_us;
	struct net_inspect_stats stats;
};

/* What the network path keeps per flow (flow->user). */
struct flow_state {
	struct ndpi_flow_struct *ndpi_flow; /* NULL once classification is done */
	ndpi_protocol proto;
	bool classified;
	uint32_t ndpi_packets;
	struct rules_scan *scan; /* client-to-server TCP payload; NULL until there is some */
	bool seq_known;
	uint32_t next_seq; /* next expected client-to-server sequence number */
	bool gap;
	uint8_t fin_seen; /* bit per enum flow_dir */
	bool ended;
	bool smtp; /* scan only message content (smtp_filter) */
	struct smtp_filter smtp_filter;
	char server_name[sizeof(((struct ndpi_flow_struct *)0)->host_server_name)];
};

/* The fields of one parsed packet the path uses. */
struct parsed {
	uint8_t family;
	uint8_t proto;
	const uint8_t *src, *dst;
	size_t addr_len;
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t tcp_flags;
	const uint8_t *payload;
	size_t payload_len;
};

static void end_flow(struct net_inspect *net, struct flow *flow);

static void release_flow(void *ctx, struct flow *flow, enum flow_end why)
{
	struct net_inspect *net = ctx;
	struct flow_state *st = flow->user;

	if (!st)
		return;
	if (why == FLOW_END_EVICTED)
		net->stats.flows_evicted++;
	end_flow(net, flow);
	if (st->ndpi_flow)
		ndpi_flow_free(st->ndpi_flow);
	rules_scan_free(st->scan);
	free(st);
	flow->user = NULL;
}

struct net_inspect *net_inspect_new(const struct rules *rules, alert_sink_fn sink, void *sink_ctx,
				    const struct net_inspect_config *config)
{
	struct net_inspect *net = calloc(1, sizeof(*net));
	NDPI_PROTOCOL_BITMASK all;

	if (!net)
		return NULL;
	net->rules = rules;
	net->sink = sink;
	net->sink_ctx = sink_ctx;
	net->config = *config;
	net->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
	if (!net->ndpi)
		goto err_free;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(net->ndpi, &all);
	ndpi_finalize_initialization(net->ndpi);
	net->flows = flow_table_new(config->max_flows, release_flow, net);
	if (!net->flows)
		goto err_free;
	return net;

err_free:
	net_inspect_free(net);
	errno = ENOMEM;
	return NULL;
}

void net_inspect_free(struct net_inspect *net)
{
	if (!net)
		return;
	flow_table_free(net->flows);
	if (net->ndpi)
		ndpi_exit_detection_module(net->ndpi);
	free(net);
}

void net_inspect_flush(struct net_inspect *net)
{
	flow_table_drain(net->flows);
}

static int parse_transport(struct parsed *p, const uint8_t *l4, size_t len)
{
	if (p->proto == IPPROTO_TCP) {
		size_t hlen;

		if (len < 20)
			return -EINVAL;
		hlen = (size_t)(l4[12] >> 4) * 4;
		if (hlen < 20 || hlen > len)
			return -EINVAL;
		p->sport = (uint16_t)(l4[0] << 8 | l4[1]);
		p->dport = (uint16_t)(l4[2] << 8 | l4[3]);
		p->seq = (uint32_t)l4[4] << 24 | (uint32_t)l4[5] << 16 | (uint32_t)l4[6] << 8 | l4[7];
		p->tcp_flags = l4[13];
		p->payload = l4 + hlen;
		p->payload_len = len - hlen;
		return 0;
	}
	if (p->proto == IPPROTO_UDP) {
		if (len < 8)
			return -EINVAL;
		p->sport = (uint16_t)(l4[0] << 8 | l4[1]);
		p->dport = (uint16_t)(l4[2] << 8 | l4[3]);
		p->payload = l4 + 8;
		p->payload_len = len - 8;
		return 0;
	}
	return -ENOENT;
}

static int parse_ipv4(struct parsed *p, const uint8_t *ip, size_t len)
{
	size_t hlen, total;

	if (len < 20)
		return -EINVAL;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	total = (size_t)(ip[2] << 8 | ip[3]);
	if (hlen < 20 || total < hlen || hlen > len)
		return -EINVAL;
	if (total < len)
		len = total; /* Ethernet padding */
	if ((ip[6] & 0x1f) || ip[7])
		return -ENOENT; /* a non-first fragment has no transport header */
	p->family = AF_INET;
	p->proto = ip[9];
	p->src = ip + 12;
	p->dst = ip + 16;
	p->addr_len = 4;
	return parse_transport(p, ip + hlen, len - hlen);
}

static int parse_ipv6(struct parsed *p, const uint8_t *ip, size_t len)
{
	size_t off = 40, payload;
	uint8_t next;

	if (len < 40)
		return -EINVAL;
	payload = (size_t)(ip[4] << 8 | ip[5]);
	if (40 + payload < len)
		len = 40 + payload;
	next = ip[6];
	/* Skip extension headers (RFC 8200 section 4): hop-by-hop, routing, destination options. */
	while (next == 0 || next == 43 || next == 60 || next == 44) {
		if (off + 8 > len)
			return -EINVAL;
		if (next == 44) {
			if ((ip[off + 2] << 8 | ip[off + 3]) & 0xfff8)
				return -ENOENT; /* non-first fragment */
			next = ip[off];
			off += 8;
			continue;
		}
		next = ip[off];
		off += ((size_t)ip[off + 1] + 1) * 8;
	}
	if (off > len)
		return -EINVAL;
	p->family = AF_INET6;
	p->proto = next;
	p->src = ip + 8;
	p->dst = ip + 24;
	p->addr_len = 16;
	return parse_transport(p, ip + off, len - off);
}

static void classify(struct net_inspect *net, struct flow_state *st, const struct packet *pkt)
{
	uint8_t guessed = 0;
	unsigned short len = pkt->l3_len > 0xffff ? 0xffff : (unsigned short)pkt->l3_len;

	if (st->classified || !st->ndpi_flow)
		return;
	st->proto = ndpi_detection_process_packet(net->ndpi, st->ndpi_flow, pkt->l3, len,
						  pkt->ts_us / 1000);
	st->ndpi_packets++;
	if (st->proto.app_protocol != NDPI_PROTOCOL_UNKNOWN &&
	    !ndpi_extra_dissection_possible(net->ndpi, st->ndpi_flow))
		st->classified = true;
	else if (st->ndpi_packets >= NDPI_MAX_PACKETS) {
		st->proto = ndpi_detection_giveup(net->ndpi, st->ndpi_flow, 1, &guessed);
		st->classified = true;
	}
	if (st->ndpi_flow->host_server_name[0])
		snprintf(st->server_name, sizeof(st->server_name), "%s",
			 st->ndpi_flow->host_server_name);
	if (st->classified) {
		ndpi_flow_free(st->ndpi_flow);
		st->ndpi_flow = NULL;
	}
}

static int feed_scan(void *ctx, const uint8_t *data, size_t len)
{
	return rules_scan_feed(ctx, data, len);
}

/* Feeds the client's payload in sequence order; what is already seen is not fed twice. */
static void feed_payload(struct net_inspect *net, struct flow_state *st, const struct parsed *p)
{
	const uint8_t *data = p->payload;
	size_t len = p->payload_len;
	int32_t delta;

	if (!st->seq_known) {
		st->seq_known = true;
		st->next_seq = p->seq;
	}
	delta = (int32_t)(p->seq - st->next_seq);
	if (delta < 0) {
		if ((size_t)-delta >= len)
			return; /* a retransmission of what was fed */
		data += -delta;
		len -= (size_t)-delta;
	} else if (delta > 0) {
		/* A segment is missing (lost in capture or reordered): note it and go on. */
		st->gap = true;
		net->stats.stream_gaps++;
	}
	if (!st->scan) {
		st->scan = rules_scan_new(net->rules);
		if (!st->scan)
			return;
	}
	if ((st->smtp ? smtp_filter_feed(&st->smtp_filter, data, len, feed_scan, st->scan)
		      : rules_scan_feed(st->scan, data, len)) == 0)
		st->next_seq = p->seq + (uint32_t)p->payload_len;
}

static void format_addr(uint8_t family, const uint8_t *addr, char *out, size_t out_len)
{
	if (!inet_ntop(family, addr, out, (socklen_t)out_len))
		snprintf(out, out_len, "?");
}

static void protocol_names(struct net_inspect *net, const struct flow_state *st, char *lower,
			   size_t lower_len, char *full, size_t full_len)
{
	uint16_t id = st->proto.master_protocol != NDPI_PROTOCOL_UNKNOWN ? st->proto.master_protocol
									 : st->proto.app_protocol;
	const char *name = ndpi_get_proto_name(net->ndpi, id);
	size_t i;

	ndpi_protocol2name(net->ndpi, st->proto, full, (u_int)full_len);
	for (i = 0; name && name[i] && i + 1 < lower_len; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
}

static void raise_alert(struct net_inspect *net, const struct flow *flow,
			const struct flow_state *st, const struct rules_verdict *verdict)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], proto[32], full[64];
	struct rules_event_info info = { .event = RULES_EVENT_CLEARTEXT };
	struct rules_decision decision;
	struct alert alert = {
		.kind = ALERT_KIND_NETWORK,
		.ts_ms = (int64_t)(flow->last_us / 1000),
		.why = "a client sent personal data or an official document in a cleartext stream",
		.uid = -1,
		.file_size = -1,
		.source_ip = src,
		.source_port = flow->client_port,
		.destination_ip = dst,
		.destination_port = flow->server_port,
		.transport = "tcp",
		.protocol = proto,
		.ndpi_protocol = full,
		.server_name = st->server_name[0] ? st->server_name : NULL,
		.verdict = verdict,
	};

	format_addr(flow->key.family, flow->client_addr, src, sizeof(src));
	format_addr(flow->key.family, flow->server_addr, dst, sizeof(dst));
	protocol_names(net, st, proto, sizeof(proto), full, sizeof(full));
	info.app = rules_app_by_ndpi(net->rules, full);
	if (!info.app && st->server_name[0])
		info.app = rules_app_by_server_name(net->rules, st->server_name);
	if (rules_decide(net->rules, verdict, &info, &decision) || !decision.matched)
		return;
	if (decision.mode == RULES_MODE_SHADOW) {
		net->stats.shadow++;
		return;
	}
	alert.rule_id = decision.rule_id;
	alert.rule_name = decision.rule_name;
	alert.rule_version = decision.rule_version;
	alert.rules_hash = rules_hash(net->rules);
	alert.bytes_sent = flow->bytes[FLOW_DIR_TO_SERVER];
	alert.severity = decision.severity;
	/* a gap in the stream means the content was partly guessed around */
	alert.confidence = st->gap ? "medium" : decision.confidence;
	alert.app = info.app ? info.app->name : NULL;
	if (net->sink(net->sink_ctx, &alert) == 0)
		net->stats.alerts++;
	else
		net->stats.alerts_failed++;
}

static void end_flow(struct net_inspect *net, struct flow *flow)
{
	struct flow_state *st = flow->user;
	struct rules_verdict verdict;

	if (st->ended)
		return;
	st->ended = true;
	if (!st->scan)
		return;
	net->stats.streams_scanned++;
	if (rules_scan_finish(st->scan, &verdict) != 0)
		return;
	if (rules_verdict_is_sensitive(&verdict))
		raise_alert(net, flow, st, &verdict);
	rules_verdict_release(&verdict);
	rules_scan_free(st->scan);
	st->scan = NULL;
}

int net_inspect_on_packet(void *ctx, const struct packet *pkt)
{
	struct net_inspect *net = ctx;
	struct parsed p = { 0 };
	struct flow_key key;
	struct flow_state *st;
	struct flow *flow;
	enum flow_dir dir;
	bool created;
	int err;

	net->stats.packets++;
	net->stats.bytes += pkt->wire_len;
	if (pkt->l3_len < 1) {
		net->stats.malformed++;
		return 0;
	}
	switch (pkt->l3[0] >> 4) {
	case 4:
		err = parse_ipv4(&p, pkt->l3, pkt->l3_len);
		break;
	case 6:
		err = parse_ipv6(&p, pkt->l3, pkt->l3_len);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (err == -ENOENT) {
		net->stats.not_tcp_udp++;
		return 0;
	}
	if (err) {
		net->stats.malformed++;
		return 0;
	}
	if (pkt->ts_us > net->last_expire_us + 1000000) {
		flow_table_expire(net->flows, pkt->ts_us, net->config.idle_timeout_us);
		net->last_expire_us = pkt->ts_us;
	}
	flow_key_make(&key, p.family, p.proto, p.src, p.sport, p.dst, p.dport, p.addr_len);
	flow = flow_table_get(net->flows, &key, p.src, p.sport, p.dst, p.dport, pkt->ts_us,
			      &created);
	if (!flow)
		return 0;
	if (created) {
		net->stats.flows++;
		st = calloc(1, sizeof(*st));
		if (st)
			st->ndpi_flow = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
		if (!st || !st->ndpi_flow) {
			free(st);
			flow_table_remove(net->flows, flow);
			return 0;
		}
		memset(st->ndpi_flow, 0, SIZEOF_FLOW_STRUCT);
		/* SMTP submission and relay ports: the envelope is not content */
		st->smtp = p.proto == IPPROTO_TCP && (p.dport == 25 || p.dport == 587);
		flow->user = st;
	}
	st = flow->user;
	dir = flow_direction(flow, p.src, p.sport);
	flow->bytes[dir] += pkt->wire_len;
	flow->packets[dir]++;
	classify(net, st, pkt);
	if (p.proto != IPPROTO_TCP || st->ended)
		return 0;
	if (dir == FLOW_DIR_TO_SERVER) {
		if (p.tcp_flags & TCP_SYN) {
			st->seq_known = true;
			st->next_seq = p.seq + 1;
		} else if (p.payload_len) {
			feed_payload(net, st, &p);
		}
	}
	if (p.tcp_flags & TCP_FIN)
		st->fin_seen |= 1u << dir;
	if ((p.tcp_flags & TCP_RST) || st->fin_seen == 3)
		end_flow(net, flow);
	return 0;
}

void net_inspect_get_stats(const struct net_inspect *net, struct net_inspect_stats *stats)
{
	*stats = net->stats;
}
