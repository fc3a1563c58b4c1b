/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GTP-U (3GPP TS 29.281): the tunnel that carries a phone's or a mobile router's IP packets
 * through the operator's core, on UDP port 2152. A capture taken there (or on a host behind a
 * 4G/5G modem that exposes the tunnel) shows each app flow inside one outer UDP flow; nDPI 4.2
 * does not look inside, so the network path takes the inner IP packet out and inspects it as a
 * flow of its own, as upstream ndpiReader does.
 */
#ifndef RAQIB_AGENT_GTPU_H
#define RAQIB_AGENT_GTPU_H

#include <stddef.h>
#include <stdint.h>

#define GTPU_PORT 2152

/*
 * If payload (a UDP payload to or from GTPU_PORT) is a GTPv1-U G-PDU carrying an IPv4 or IPv6
 * packet, points *inner at that packet and returns its length (bounded by the header's length
 * field and by what was captured); 0 for anything else (signalling messages, other versions,
 * cut or inconsistent headers).
 */
size_t gtpu_inner_packet(const uint8_t *payload, size_t len, const uint8_t **inner);

#endif /* RAQIB_AGENT_GTPU_H */
