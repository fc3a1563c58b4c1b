/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a packet sensor (live capture or replay) hands to the network path of the pipeline: one
 * layer-3 packet with its capture time. The sensor has removed the link layer (Ethernet, VLAN
 * tags, Linux cooked capture, raw IP) and says which VLAN the frame was on.
 */
#ifndef RAQIB_AGENT_PACKET_H
#define RAQIB_AGENT_PACKET_H

#include <stddef.h>
#include <stdint.h>

struct packet {
	const uint8_t *l3; /* IPv4 or IPv6 header; borrowed for the duration of the call */
	size_t l3_len; /* bytes captured from l3 on */
	size_t wire_len; /* bytes on the wire from l3 on (>= l3_len when the capture was cut) */
	uint64_t ts_us; /* capture time, epoch microseconds */
	uint16_t vlan_id; /* innermost 802.1Q VLAN id, 0 when untagged */
};

/* Receives one packet; returns 0 to go on, a negative errno to stop the sensor. */
typedef int (*packet_sink_fn)(void *ctx, const struct packet *pkt);

#endif /* RAQIB_AGENT_PACKET_H */
