/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IPv4 and IPv6 packets carrying TCP or UDP, parsed within the bytes captured: addresses,
 * ports, TCP sequence and flags, where the payload is. Shared by the network path (packets
 * from a capture) and the host path (packets the names tier copies). Pure; hostile input.
 */
#ifndef RAQIB_AGENT_IP_PACKET_H
#define RAQIB_AGENT_IP_PACKET_H

#include <stddef.h>
#include <stdint.h>

struct ip_packet {
	uint8_t family; /* AF_INET, AF_INET6 */
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP */
	const uint8_t *src, *dst; /* into the packet */
	size_t addr_len; /* 4 or 16 */
	uint16_t sport, dport;
	uint32_t seq; /* TCP */
	uint8_t tcp_flags;
	const uint8_t *payload;
	size_t payload_len; /* what was captured of it */
};

/*
 * Parses the packet l3[0..len), which starts at its IP header. IPv6 extension headers are
 * skipped. Returns 0; -ENOENT for another transport or a non-first fragment (no transport
 * header); -EINVAL for a malformed or cut header.
 */
int ip_packet_parse(const uint8_t *l3, size_t len, struct ip_packet *out);

#endif /* RAQIB_AGENT_IP_PACKET_H */
