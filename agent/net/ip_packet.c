// SPDX-License-Identifier: GPL-2.0-only
/*
 * IP packet parsing (see ip_packet.h): every length is checked against what was captured
 * before a byte is read.
 */
#include "ip_packet.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int parse_transport(struct ip_packet *p, const uint8_t *l4, size_t len)
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
		p->seq = (uint32_t)l4[4] << 24 | (uint32_t)l4[5] << 16 | (uint32_t)l4[6] << 8 |
			 l4[7];
		p->tcp_flags = l4[13];
		p->payload = l4 + hlen;
		p->payload_len = len - hlen;
		return 0;
	}
	if (p->proto == IPPROTO_UDP) {
		size_t ulen;

		if (len < 8)
			return -EINVAL;
		ulen = (size_t)(l4[4] << 8 | l4[5]);
		/* a UDP length shorter than its header is bogus; a longer one was cut by snaplen */
		if (ulen < 8)
			return -EINVAL;
		if (ulen < len)
			len = ulen;
		p->sport = (uint16_t)(l4[0] << 8 | l4[1]);
		p->dport = (uint16_t)(l4[2] << 8 | l4[3]);
		p->payload = l4 + 8;
		p->payload_len = len - 8;
		return 0;
	}
	return -ENOENT;
}

static int parse_ipv4(struct ip_packet *p, const uint8_t *ip, size_t len)
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

static int parse_ipv6(struct ip_packet *p, const uint8_t *ip, size_t len)
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

int ip_packet_parse(const uint8_t *l3, size_t len, struct ip_packet *out)
{
	if (len < 1)
		return -EINVAL;
	switch (l3[0] >> 4) {
	case 4:
		return parse_ipv4(out, l3, len);
	case 6:
		return parse_ipv6(out, l3, len);
	default:
		return -EINVAL;
	}
}
