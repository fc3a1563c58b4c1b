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
 * Destination watching: the SNI of a ClientHello is also matched here, in the kernel, against
 * the channels' server names (raqib_dest_names, by the hash of each name's suffixes: events.h),
 * because the process that sends it must be watched before its next bytes leave -- a renamed
 * client or curl uploads a file within milliseconds of its handshake, long before userspace
 * reads the ring. A match marks the socket (raqib_dest_socks, by cookie); the send hook of
 * core.bpf.c, in the sender's context, then watches the process.
 *
 * Shares the ring buffer, the drop counters and the watched set with the core object (the
 * loader reuses their fds, agent/sensors/names_tier.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "raqib/events.h"
#include "shared_maps.bpf.h"
#include "dest_maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP	 0x0800
#define ETH_P_IPV6	 0x86DD
#define IPPROTO_TCP	 6
#define IPPROTO_UDP	 17
#define DNS_PORT	 53
#define QUIC_INITIAL_MIN 1200
#define TLS_HANDSHAKE	 22
#define TLS_CLIENT_HELLO 1
#define TLS_HELLO_FIXED	 43 /* record header 5, handshake header 4, version 2, random 32 */
#define TLS_EXT_SNI	 0
#define TLS_EXT_SCAN_MAX 32
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

/*
 * Reads the IP and transport headers in place (direct packet access: no helper call, which is
 * what every packet of the host pays for; headers are always in the linear part).
 */
static __always_inline int parse(struct __sk_buff *skb, struct l4 *p)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u16 *ports;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return -1;
		/* a non-first fragment carries no transport header */
		if (ip->frag_off & bpf_htons(0x1fff))
			return -1;
		p->proto = ip->protocol;
		p->l4_off = ip->ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > end)
			return -1;
		p->proto = ip6->nexthdr; /* extension headers: not followed (rare on these) */
		p->l4_off = sizeof(*ip6);
	} else {
		return -1;
	}
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return -1;
	ports = data + (p->l4_off & 0x3f);
	if ((void *)(ports + 2) > end)
		return -1;
	p->sport = bpf_ntohs(ports[0]);
	p->dport = bpf_ntohs(ports[1]);
	if (p->proto == IPPROTO_UDP) {
		p->payload_off = p->l4_off + 8;
		return 0;
	}
	{
		struct tcphdr *tcp = data + (p->l4_off & 0x3f);

		if ((void *)(tcp + 1) > end)
			return -1;
		p->payload_off = p->l4_off + tcp->doff * 4;
	}
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

struct sni_scratch {
	char name[RAQIB_SNI_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sni_scratch);
} sni_scratch SEC(".maps");

/*
 * Where the host name of the SNI extension lies in the ClientHello record starting at hello
 * (RFC 8446 section 4.1.2, RFC 6066 section 3). Returns 0 and sets *off and *len, or -1.
 */
static __always_inline int sni_at(struct __sk_buff *skb, __u32 hello, __u32 *off, __u32 *len)
{
	__u32 pos = hello + TLS_HELLO_FIXED, end;
	__u16 b16;
	__u8 b8;

	if (bpf_skb_load_bytes(skb, pos, &b8, 1)) /* session id */
		return -1;
	pos += 1 + b8;
	if (bpf_skb_load_bytes(skb, pos, &b16, 2)) /* cipher suites */
		return -1;
	pos += 2 + bpf_ntohs(b16);
	if (bpf_skb_load_bytes(skb, pos, &b8, 1)) /* compression methods */
		return -1;
	pos += 1 + b8;
	if (bpf_skb_load_bytes(skb, pos, &b16, 2)) /* extensions */
		return -1;
	pos += 2;
	end = pos + bpf_ntohs(b16);
	for (int i = 0; i < TLS_EXT_SCAN_MAX && pos + 4 <= end; i++) {
		__u16 ext[2];
		__u8 list[5];

		if (bpf_skb_load_bytes(skb, pos, ext, sizeof(ext)))
			return -1;
		if (bpf_ntohs(ext[0]) != TLS_EXT_SNI) {
			pos += 4 + bpf_ntohs(ext[1]);
			continue;
		}
		/* list length (2), name type (1: 0 is a host name), name length (2), name */
		if (bpf_skb_load_bytes(skb, pos + 4, list, sizeof(list)) || list[2] != 0)
			return -1;
		*off = pos + 9;
		*len = (__u32)list[3] << 8 | list[4];
		return 0;
	}
	return -1;
}

/*
 * The channel whose server name the SNI at off is (by the hash of each of its suffixes that
 * starts a label, read from the end: events.h), or NULL.
 */
static __always_inline const struct raqib_dest_app *match_sni(struct __sk_buff *skb, __u32 off,
							      __u32 len)
{
	__u64 h = RAQIB_NAME_HASH_SEED;
	struct sni_scratch *sc;
	__u32 zero = 0;

	if (len == 0 || len > RAQIB_SNI_MAX - 1)
		return NULL;
	sc = bpf_map_lookup_elem(&sni_scratch, &zero);
	if (!sc)
		return NULL;
	barrier_var(len);
	len &= RAQIB_SNI_MAX - 1;
	if (!len || bpf_skb_load_bytes(skb, off, sc->name, len))
		return NULL;
	for (__u32 i = 0; i < RAQIB_SNI_MAX; i++) {
		const struct raqib_dest_app *d;
		__u32 at;
		char c;

		if (i >= len)
			break;
		at = (len - 1 - i) & (RAQIB_SNI_MAX - 1);
		c = sc->name[at];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ (__u8)c) * RAQIB_NAME_HASH_MUL;
		if (at != 0 && sc->name[(at - 1) & (RAQIB_SNI_MAX - 1)] != '.')
			continue;
		d = bpf_map_lookup_elem(&raqib_dest_names, &h);
		if (d && (at == 0 || !d->exact))
			return d;
	}
	return NULL;
}

/* A ClientHello for a channel's server: the sending socket is marked for the send hook. */
static __always_inline void watch_hello(struct __sk_buff *skb, __u32 hello)
{
	const struct raqib_dest_app *d;
	__u64 cookie, now;
	__u32 off, len, zero = 0;

	if (sni_at(skb, hello, &off, &len))
		return;
	d = match_sni(skb, off, len);
	if (!d)
		return;
	cookie = bpf_get_socket_cookie(skb);
	now = bpf_ktime_get_boot_ns();
	bpf_map_update_elem(&raqib_dest_socks, &cookie, d, BPF_ANY);
	bpf_map_update_elem(&raqib_dest_gate, &zero, &now, BPF_ANY);
}

SEC("cgroup_skb/egress")
int handle_egress(struct __sk_buff *skb)
{
	struct l4 p = {};
	__u8 h[6];

	if (parse(skb, &p) || p.payload_off + sizeof(h) > skb->len)
		return PASS;
	/* UDP: only a datagram padded as Initials are is worth a look */
	if (p.proto == IPPROTO_UDP && skb->len - p.payload_off < QUIC_INITIAL_MIN)
		return PASS;
	if (bpf_skb_load_bytes(skb, p.payload_off, h, sizeof(h)))
		return PASS;
	if (p.proto == IPPROTO_TCP) {
		if (h[0] == TLS_HANDSHAKE && h[1] == 3 && h[5] == TLS_CLIENT_HELLO) {
			watch_hello(skb, p.payload_off);
			emit(skb, RAQIB_PKT_TLS_HELLO);
		}
		return PASS;
	}
	/* a long header (form and fixed bits) */
	if ((h[0] & 0xc0) == 0xc0)
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
