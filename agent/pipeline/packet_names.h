/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Server names from the packets the host sensor's names tier copies (RAQIB_EV_PACKET): DNS
 * answers name addresses (net/dns.c); TLS ClientHellos and QUIC Initials name the connection
 * they open (net/tls_hello.c, net/quic_initial.c). Kept by connection and by address
 * (net/name_cache.h), for the correlator: which channel a browser's or any process's
 * connection goes to, with no packet capture running. Not thread-safe.
 */
#ifndef RAQIB_AGENT_PACKET_NAMES_H
#define RAQIB_AGENT_PACKET_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "raqib/events.h"
#include "net/name_cache.h"

struct packet_names;

struct packet_names_stats {
	uint64_t packets;
	uint64_t malformed; /* not an IP packet with a readable transport header */
	uint64_t dns_answers; /* address records learnt */
	uint64_t hellos; /* TLS ClientHellos */
	uint64_t quic_initials;
	uint64_t quic_unknown; /* QUIC versions not known (their hello unread) */
	uint64_t named; /* connections named by their SNI */
};

/* A cache of max_names names. NULL + errno. */
struct packet_names *packet_names_new(size_t max_names);
void packet_names_free(struct packet_names *names);

/* Learns what the packet names. The record is validated (event_decode()). */
void packet_names_on_packet(struct packet_names *names, const struct raqib_event_packet *ev);

/* The name of the connection, else of its server's address; NULL when unknown. */
const char *packet_names_lookup(const struct packet_names *names, const struct name_conn *conn);

void packet_names_get_stats(const struct packet_names *names, struct packet_names_stats *stats);

#endif /* RAQIB_AGENT_PACKET_NAMES_H */
