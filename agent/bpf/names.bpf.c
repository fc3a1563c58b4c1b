// SPDX-License-Identifier: GPL-2.0-only
/*
 * Names tier (optional): which servers processes talk to, without a packet capture. Two
 * cgroup_skb programs on the root of the cgroup v2 hierarchy see every packet of every socket
 * of every process, in every network namespace, and copy into the ring buffer the few that
 * name a server:
 *
 *  - egress: a TCP segment whose payload starts a TLS ClientHello (record type 22, version
 *    3.x, handshake type 1): its SNI names the connection's server; a UDP datagram of 1200
 *    bytes or more that starts a QUIC long header (a client's Initial is padded to 1200 bytes,
 *    RFC 9000 section 14.1): its encrypted ClientHello names the server too;
 *  - ingress: a UDP datagram from port 53, a DNS answer: it names addresses.
 *
 * Everything else is let through after a few loads and comparisons. One record per
 * connection (its first flight) or per DNS answer: nothing per data packet. Records are
 * queued without a wakeup and read with the others every 100 ms. The programs always let the
 * packet pass: this tier observes, it never filters.
 *
 * Shares the ring buffer, the drop counters and the watched set with the core object (the
 * loader reuses their fds, agent/sensors/names_tier.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "raqib/events.h"
#include "shared_maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP	 0x0800
#define ETH_P_IPV6	 0x86DD
#define IPPROTO_TCP	 6
#define IPPROTO_UDP	 17
#define DNS_PORT	 53
#define QUIC_INITIAL_MIN 1200
#define TLS_HANDSHAKE	 22
#define TLS_CLIENT_HELLO 1
#define PASS		 1

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct raqib_event_packet);
} packet_scratch SEC(".maps");

/* Where the transport header and its payload start; 0 when not TCP or UDP over IP. */
struct l4 {
	__u32 l4_off;
	__u32 payload_off;
	__u16 sport;
	__u16 dport;
	__u8 proto;
};

static __always_inline int parse(struct __sk_buff *skb, struct l4 *p)
{
	__u8 b[2];
	__u16 ports[2];
	__u8 doff;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, 0, b, 1) || bpf_skb_load_bytes(skb, 9, &p->proto, 1))
			return -1;
		p->l4_off = (b[0] & 0x0f) * 4;
		if (p->l4_off < 20)
			return -1;
		/* a non-first fragment carries no transport header */
		if (bpf_skb_load_bytes(skb, 6, b, 2) || ((b[0] & 0x1f) | b[1]))
			return -1;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, 6, &p->proto, 1))
			return -1;
		p->l4_off = 40; /* extension headers: not followed (rare on these packets) */
	} else {
		return -1;
	}
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return -1;
	if (bpf_skb_load_bytes(skb, p->l4_off, ports, sizeof(ports)))
		return -1;
	p->sport = bpf_ntohs(ports[0]);
	p->dport = bpf_ntohs(ports[1]);
	if (p->proto == IPPROTO_UDP) {
		p->payload_off = p->l4_off + 8;
		return 0;
	}
	if (bpf_skb_load_bytes(skb, p->l4_off + 12, &doff, 1))
		return -1;
	p->payload_off = p->l4_off + (doff >> 4) * 4;
	return 0;
}

/* Copies the packet from its IP header, up to RAQIB_PKT_MAX - 1 bytes, into the ring. */
static __always_inline void emit(struct __sk_buff *skb, __u32 what)
{
	struct raqib_event_packet *e;
	__u32 zero = 0, len = skb->len;

	e = bpf_map_lookup_elem(&packet_scratch, &zero);
	if (!e)
		return;
	if (len > RAQIB_PKT_MAX - 1)
		len = RAQIB_PKT_MAX - 1;
	barrier_var(len); /* keep the mask: the verifier needs it, the compiler thinks not */
	len &= RAQIB_PKT_MAX - 1;
	if (len < 28)
		return;
	if (bpf_skb_load_bytes(skb, 0, e->data, len))
		return;
	e->hdr.kind = RAQIB_EV_PACKET;
	e->hdr.version = RAQIB_EVENT_VERSION;
	e->hdr.size = offsetof(struct raqib_event_packet, data) + len;
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	e->hdr.cgroup_id = bpf_skb_cgroup_id(skb);
	e->hdr.uid = bpf_get_socket_uid(skb);
	e->hdr.pid = 0;
	e->hdr.tid = 0;
	e->hdr.ppid = 0;
	e->hdr.proc_start_ns = 0;
	e->hdr.comm[0] = '\0';
	e->cookie = bpf_get_socket_cookie(skb);
	e->what = what;
	e->wire_len = skb->len;
	e->len = len;
	if (bpf_ringbuf_output(&raqib_events, e, offsetof(struct raqib_event_packet, data) + len,
			       BPF_RB_NO_WAKEUP))
		count_drop(RAQIB_DROP_PKT_RINGBUF);
}

SEC("cgroup_skb/egress")
int handle_egress(struct __sk_buff *skb)
{
	struct l4 p = {};
	__u8 h[6];

	if (parse(skb, &p) || p.payload_off + sizeof(h) > skb->len)
		return PASS;
	if (bpf_skb_load_bytes(skb, p.payload_off, h, sizeof(h)))
		return PASS;
	if (p.proto == IPPROTO_TCP) {
		if (h[0] == TLS_HANDSHAKE && h[1] == 3 && h[5] == TLS_CLIENT_HELLO)
			emit(skb, RAQIB_PKT_TLS_HELLO);
		return PASS;
	}
	/* UDP: a long header (form and fixed bits) in a datagram padded as Initials are */
	if ((h[0] & 0xc0) == 0xc0 && skb->len - p.payload_off >= QUIC_INITIAL_MIN)
		emit(skb, RAQIB_PKT_QUIC_INITIAL);
	return PASS;
}

SEC("cgroup_skb/ingress")
int handle_ingress(struct __sk_buff *skb)
{
	struct l4 p = {};

	if (parse(skb, &p) || p.proto != IPPROTO_UDP || p.sport != DNS_PORT)
		return PASS;
	emit(skb, RAQIB_PKT_DNS);
	return PASS;
}
