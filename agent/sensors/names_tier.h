/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The names tier of the host sensor: loads agent/bpf/names.bpf.c on the core object's maps and
 * attaches its cgroup_skb programs to the root of the cgroup v2 hierarchy (the one mounted, or
 * one the tier mounts under /run/raqib when the host has none), so that DNS answers, TLS
 * ClientHellos and QUIC Initials of every process reach the ring buffer as RAQIB_EV_PACKET
 * records. Without it, `run` names the servers of browsers' flows only with --interface.
 * Used by bpf_sensor.c only.
 */
#ifndef RAQIB_AGENT_NAMES_TIER_H
#define RAQIB_AGENT_NAMES_TIER_H

#include <stddef.h>

struct names_tier;

/* The maps the names object shares with the core object (their fds). */
struct names_tier_maps {
	int events; /* ring buffer */
	int watched;
	int tls_active;
	int drops;
	int dest_names; /* destination watching (events.h) */
	int dest_ranges;
	int dest_socks;
	int dest_gate;
};

/*
 * Loads and attaches. NULL with the reason in err (no cgroup v2, program refused); the sensor
 * then runs without the tier. *where is set to the cgroup directory attached to.
 */
struct names_tier *names_tier_new(const struct names_tier_maps *maps, char *where, size_t where_len,
				  char *err, size_t err_len);

/* Detaches, unmounts what it mounted, frees; accepts NULL. */
void names_tier_free(struct names_tier *tier);

#endif /* RAQIB_AGENT_NAMES_TIER_H */
