/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replay of a capture file (pcap or pcapng) through the network path: each frame's link layer
 * is removed and the IP packet handed to a packet sink, with the capture's timestamps.
 */
#ifndef RAQIB_AGENT_PCAP_REPLAY_H
#define RAQIB_AGENT_PCAP_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/packet.h"

struct pcap_replay_stats {
	uint64_t frames;
	uint64_t packets; /* frames handed to the sink */
	uint64_t not_ip; /* ARP, LLDP and other non-IP frames */
	uint64_t bad_frames; /* frames too short for their link header */
};

/*
 * Strips the link layer of a frame of libpcap link type dlt. Returns 0 with *l3 and *l3_len set,
 * -ENOENT for a non-IP frame, -EINVAL for a frame too short, -ENOTSUP for an unknown link type.
 */
int pcap_link_decode(int dlt, const uint8_t *frame, size_t caplen, const uint8_t **l3,
		     size_t *l3_len);

/* The same, also giving the innermost 802.1Q/802.1ad VLAN id (0 when untagged) if vlan_id. */
int pcap_link_decode_vlan(int dlt, const uint8_t *frame, size_t caplen, const uint8_t **l3,
			  size_t *l3_len, uint16_t *vlan_id);

struct pcap_pkthdr;

/*
 * Turns a captured frame into the packet the network path takes (link layer removed, VLAN,
 * lengths, time). Returns 0, or pcap_link_decode()'s errors. Shared by replay and live capture.
 */
int pcap_frame_to_packet(int dlt, const struct pcap_pkthdr *hdr, const uint8_t *frame,
			 struct packet *pkt);

/*
 * Replays the capture at path into sink. Returns 0 at the end of the file, or a negative errno
 * with a one-line reason in err: -ENOENT (cannot open), -ENOTSUP (unsupported link type), -EIO
 * (truncated or corrupt after some packets: those were delivered), or what the sink returned.
 */
int pcap_replay_run(const char *path, packet_sink_fn sink, void *ctx,
		    struct pcap_replay_stats *stats, char *err, size_t err_len);

#endif /* RAQIB_AGENT_PCAP_REPLAY_H */
