/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The live network sensor of `raqib-agent run`: libpcap on the interfaces given with
 * --interface (pcap_live), feeding the network path (net_inspect), whose alerts go to the
 * outbox. Capture descriptors and the flow-expiry and drop-report timers go on the run loop.
 */
#ifndef RAQIB_AGENT_RUN_CAPTURE_H
#define RAQIB_AGENT_RUN_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "loop.h"
#include "pipeline/conn_table.h"
#include "sensors/pcap_live.h"

struct run_capture;

struct run_capture_options {
	const char *interfaces[PCAP_LIVE_MAX_INTERFACES];
	size_t n_interfaces; /* 0: no live capture */
	const char *filter;
	uint64_t snaplen;
};

/* getopt codes of the options below, for cmd_run's option table. */
#define RUN_CAPTURE_OPT_INTERFACE 0x1001
#define RUN_CAPTURE_OPT_FILTER	  0x1002
#define RUN_CAPTURE_OPT_SNAPLEN	  0x1003

/*
 * Takes one of the capture options (--interface, --capture-filter, --snaplen). Returns 0, or
 * AGENT_EXIT_USAGE with the reason logged.
 */
int run_capture_option(struct run_capture_options *opt, int code, const char *arg);

/*
 * Opens the interfaces and registers them on loop. conns (connection owners from the host
 * sensor) may be NULL. Returns NULL with the reason logged.
 */
struct run_capture *run_capture_start(struct agent *agent, struct loop *loop,
				      const struct run_capture_options *opt,
				      const struct conn_table *conns);

/* The server name the network path learnt for an address (DNS answers, TLS SNI), or NULL. */
const char *run_capture_server_name(const struct run_capture *cap, int family, const uint8_t *addr);

/* After a rules reload: 0, or -ENOMEM (the old rules are still in use: do not free them). */
int run_capture_set_rules(struct run_capture *cap, const struct rules *rules);

/* Ends the flows still open, logs the per-interface counters and drops, closes; accepts NULL. */
void run_capture_stop(struct run_capture *cap);

#endif /* RAQIB_AGENT_RUN_CAPTURE_H */
