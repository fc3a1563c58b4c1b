// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capture-file replay with libpcap (see pcap_replay.h). The link layers handled are the ones
 * real captures of messaging apps come in: Ethernet with stacked 802.1Q/802.1ad tags, Linux
 * cooked capture v1 and v2, raw IP, and BSD loopback.
 */
#include "pcap_replay.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

/* LINKTYPE_IPV4 and LINKTYPE_IPV6 (pcap-linktype(7)); libpcap keeps their numbers as DLTs. */
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229

static int by_ethertype(uint16_t type, const uint8_t *p, size_t len, const uint8_t **l3,
			size_t *l3_len)
{
	if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6)
		return -ENOENT;
	*l3 = p;
	*l3_len = len;
	return 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int pcap_link_decode(int dlt, const uint8_t *frame, size_t caplen, const uint8_t **l3,
		     size_t *l3_len)
{
	return pcap_link_decode_vlan(dlt, frame, caplen, l3, l3_len, NULL);
}

int pcap_link_decode_vlan(int dlt, const uint8_t *frame, size_t caplen, const uint8_t **l3,
			  size_t *l3_len, uint16_t *vlan_id)
{
	size_t off;
	uint16_t type;

	if (vlan_id)
		*vlan_id = 0;

	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return -EINVAL;
		off = 12;
		type = be16(frame + off);
		/* 802.1Q / 802.1ad tags, stacked at most a few deep in practice */
		for (int tags = 0; (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) && tags < 4;
		     tags++) {
			off += 4;
			if (caplen < off + 2)
				return -EINVAL;
			if (vlan_id)
				*vlan_id = be16(frame + off - 2) & 0x0fff; /* TCI: PCP, DEI, VID */
			type = be16(frame + off);
		}
		off += 2;
		return by_ethertype(type, frame + off, caplen - off, l3, l3_len);
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return -EINVAL;
		return by_ethertype(be16(frame + 14), frame + 16, caplen - 16, l3, l3_len);
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return -EINVAL;
		return by_ethertype(be16(frame), frame + 20, caplen - 20, l3, l3_len);
	case DLT_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		if (caplen < 1)
			return -EINVAL;
		*l3 = frame;
		*l3_len = caplen;
		return (frame[0] >> 4) == 4 || (frame[0] >> 4) == 6 ? 0 : -ENOENT;
	case DLT_NULL:
	case DLT_LOOP:
		/* 4-byte address family, in host (NULL) or network (LOOP) order: accept both. */
		if (caplen < 5)
			return -EINVAL;
		*l3 = frame + 4;
		*l3_len = caplen - 4;
		return (frame[4] >> 4) == 4 || (frame[4] >> 4) == 6 ? 0 : -ENOENT;
	default:
		return -ENOTSUP;
	}
}

int pcap_frame_to_packet(int dlt, const struct pcap_pkthdr *hdr, const uint8_t *frame,
			 struct packet *pkt)
{
	size_t l3_len, cut;
	int rc;

	rc = pcap_link_decode_vlan(dlt, frame, hdr->caplen, &pkt->l3, &l3_len, &pkt->vlan_id);
	if (rc)
		return rc;
	cut = hdr->caplen - l3_len; /* link header bytes */
	pkt->l3_len = l3_len;
	pkt->wire_len = hdr->len > cut ? hdr->len - cut : l3_len;
	if (pkt->wire_len < l3_len)
		pkt->wire_len = l3_len;
	pkt->ts_us = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
	return 0;
}

int pcap_replay_run(const char *path, packet_sink_fn sink, void *ctx,
		    struct pcap_replay_stats *stats, char *err, size_t err_len)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	const uint8_t *l3;
	size_t l3_len;
	struct pcap_pkthdr *hdr;
	const u_char *frame;
	pcap_t *pcap;
	int dlt, rc, ret = 0;

	memset(stats, 0, sizeof(*stats));
	pcap = pcap_open_offline(path, errbuf);
	if (!pcap) {
		/* libpcap's message starts with the path for open errors; keep only the cause */
		const char *cause = strncmp(errbuf, path, strlen(path)) == 0 &&
						    errbuf[strlen(path)] == ':' ?
					    errbuf + strlen(path) + 2 :
					    errbuf;

		snprintf(err, err_len, "cannot open capture '%s': %s", path, cause);
		return -ENOENT;
	}
	dlt = pcap_datalink(pcap);
	/* An empty frame is refused as too short by every link type we know. */
	if (pcap_link_decode(dlt, NULL, 0, &l3, &l3_len) == -ENOTSUP) {
		snprintf(err, err_len, "capture '%s' has an unsupported link type %s (%d)", path,
			 pcap_datalink_val_to_name(dlt) ?: "unknown", dlt);
		pcap_close(pcap);
		return -ENOTSUP;
	}
	while ((rc = pcap_next_ex(pcap, &hdr, &frame)) == 1) {
		struct packet pkt;
		int drc;

		stats->frames++;
		drc = pcap_frame_to_packet(dlt, hdr, frame, &pkt);
		if (drc == -ENOENT) {
			stats->not_ip++;
			continue;
		}
		if (drc) {
			stats->bad_frames++;
			continue;
		}
		stats->packets++;
		ret = sink(ctx, &pkt);
		if (ret)
			break;
	}
	if (rc == PCAP_ERROR) {
		snprintf(err, err_len, "capture '%s' is truncated or corrupt after %llu frames: %s",
			 path, (unsigned long long)stats->frames, pcap_geterr(pcap));
		ret = -EIO;
	}
	pcap_close(pcap);
	return ret;
}
