/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live capture with libpcap on one or more interfaces, feeding the same packet sink as replay.
 * Each interface is opened in immediate mode (packets are handed over as they arrive, not when
 * a buffer fills), non-blocking, with the capture filter and snap length asked for; its
 * selectable file descriptor goes on the agent's event loop. Drops are read per interface from
 * pcap_stats(): by the kernel (buffer full) and by the interface.
 */
#ifndef RAQIB_AGENT_PCAP_LIVE_H
#define RAQIB_AGENT_PCAP_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/packet.h"

struct pcap_live;

#define PCAP_LIVE_MAX_INTERFACES 16

struct pcap_live_config {
	const char *const *interfaces; /* names ("eth0", "any") */
	size_t n_interfaces;
	const char *filter; /* BPF capture filter expression (pcap-filter(7)), or NULL */
	int snaplen; /* bytes kept per packet; 0: 262144 */
	int buffer_bytes; /* kernel buffer per interface; 0: 8 MiB */
};

struct pcap_live_stats {
	const char *interface;
	uint64_t frames; /* read from the capture */
	uint64_t packets; /* IP packets handed to the sink */
	uint64_t not_ip;
	uint64_t bad_frames;
	uint64_t received; /* pcap_stats ps_recv: seen by the filter */
	uint64_t dropped; /* ps_drop: dropped for lack of buffer space */
	uint64_t if_dropped; /* ps_ifdrop: dropped by the interface or its driver */
};

/*
 * Opens and activates every interface. Returns NULL with a one-line reason in err (interface
 * missing, no permission, bad filter...).
 */
struct pcap_live *pcap_live_open(const struct pcap_live_config *config, packet_sink_fn sink,
				 void *ctx, char *err, size_t err_len);

/* Closes every interface; accepts NULL. */
void pcap_live_close(struct pcap_live *live);

size_t pcap_live_count(const struct pcap_live *live);

/* The selectable file descriptor of interface i, for the event loop. */
int pcap_live_fd(const struct pcap_live *live, size_t i);

/*
 * Hands every packet waiting on interface i to the sink. Returns the number of frames read, or
 * a negative errno (-EIO with the reason logged: the interface went away).
 */
int pcap_live_dispatch(struct pcap_live *live, size_t i);

/* Counters of interface i (pcap_stats() read now). Returns 0 or -EIO. */
int pcap_live_get_stats(struct pcap_live *live, size_t i, struct pcap_live_stats *stats);

#endif /* RAQIB_AGENT_PCAP_LIVE_H */
