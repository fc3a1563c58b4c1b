// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-agent replay FILE: a capture file through the network path (pcap_replay → net_inspect
 * → outbox). With --flows, each flow's record (5-tuple, Community ID, nDPI protocol, app and
 * the clue that named it, bytes and packets per direction, upload bursts) is printed on stdout
 * as one JSON line when the flow ends.
 */
#include "agent.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "outbox/heartbeat.h"
#include "outbox/outbox.h"
#include "pipeline/flow_record.h"
#include "pipeline/net_inspect.h"
#include "sensors/pcap_replay.h"

/* How long the end of a replay waits for Redis to take its alerts. */
#define FLUSH_TIMEOUT_MS 30000

struct replay_hb {
	const struct pcap_replay_stats *ps;
	const struct net_inspect *net;
};

/* The capture's and the network path's counters, for heartbeats (heartbeat_provider_fn). */
static void replay_heartbeat(void *ctx, struct heartbeat_fields *f)
{
	const struct replay_hb *hb = ctx;
	struct net_inspect_stats ns;

	heartbeat_set(f, "sensor.pcap", HEARTBEAT_SENSOR_ATTACHED);
	heartbeat_set_u64(f, "pcap.frames", hb->ps->frames);
	heartbeat_set_u64(f, "pcap.drops.bad_frames", hb->ps->bad_frames);
	net_inspect_get_stats(hb->net, &ns);
	heartbeat_set_u64(f, "events", ns.packets);
	heartbeat_set_u64(f, "net.flows", ns.flows);
	heartbeat_set_u64(f, "net.streams_scanned", ns.streams_scanned);
	heartbeat_set_u64(f, "net.drops.malformed", ns.malformed);
	heartbeat_set_u64(f, "net.drops.flows_evicted", ns.flows_evicted);
	heartbeat_set_u64(f, "alerts", ns.alerts);
	heartbeat_set_u64(f, "net.alerts_failed", ns.alerts_failed);
	heartbeat_set_u64(f, "net.shadow", ns.shadow);
}

struct flow_printer {
	uint64_t printed;
	uint64_t failed;
};

static void print_flow(void *ctx, const struct net_flow_record *rec)
{
	struct flow_printer *p = ctx;
	json_t *doc = flow_record_to_json(rec);

	if (!doc || json_dumpf(doc, stdout, JSON_COMPACT) || fputc('\n', stdout) == EOF)
		p->failed++;
	else
		p->printed++;
	json_decref(doc);
}

int cmd_replay(struct agent *agent, int argc, char **argv)
{
	static const struct option options[] = {
		{ "flows", no_argument, NULL, 'F' },
		AGENT_LIMIT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct net_inspect_config cfg = { .max_flows = 1u << 18, .idle_timeout_us = 300000000u };
	struct flow_printer printer = { 0 };
	struct pcap_replay_stats ps = { 0 };
	struct net_inspect_stats ns;
	struct net_inspect *net;
	struct replay_hb hb = { .ps = &ps, .net = NULL };
	const char *path;
	char err[512];
	int c, rc, flushed;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (c == 'h') {
			agent_usage(stdout);
			return AGENT_EXIT_OK;
		}
		if (c == 'F') {
			cfg.flow_sink = print_flow;
			cfg.flow_sink_ctx = &printer;
			continue;
		}
		if (agent_is_limit_option(c) && !agent_parse_limit(agent, c, optarg))
			continue;
		return AGENT_EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		log_error("agent", "wrong arguments for 'replay': see raqib-agent --help");
		return AGENT_EXIT_USAGE;
	}
	path = argv[optind];
	cfg.limits = &agent->limits;
	if (agent->max_file_bytes_set)
		cfg.max_object_bytes = agent->limits.max_read_bytes;
	if (access(path, R_OK) != 0) {
		log_error("replay", "cannot open capture '%s': %s", path, strerror(errno));
		return AGENT_EXIT_ERROR;
	}
	/* offline: say at once when Redis is not there, rather than fill the spool */
	agent->require_redis = true;
	agent->mode = "replay";
	if (agent_open_outbox(agent) || agent_load_rules(agent))
		return AGENT_EXIT_ERROR;
	agent_send_heartbeat(agent, "running");
	net = net_inspect_new(agent->rules, outbox_sink, agent->outbox, &cfg);
	if (!net) {
		log_error("replay", "cannot start the network path: %s", strerror(errno));
		return AGENT_EXIT_ERROR;
	}
	hb.net = net;
	heartbeat_add_provider(agent->heartbeat, replay_heartbeat, &hb);
	rc = pcap_replay_run(path, net_inspect_on_packet, net, &ps, err, sizeof(err));
	net_inspect_flush(net);
	net_inspect_get_stats(net, &ns);
	agent_send_heartbeat(agent, "stopped");
	heartbeat_remove_provider(agent->heartbeat, &hb);
	net_inspect_free(net);
	flushed = agent_flush_outbox(agent, FLUSH_TIMEOUT_MS);
	if (rc) {
		/* what was read before the damage was inspected and sent; say what is wrong */
		log_error("replay", "%s", err);
		return AGENT_EXIT_ERROR;
	}
	if (fflush(stdout) || printer.failed) {
		log_error("replay", "cannot write flow records: %s", strerror(errno));
		return AGENT_EXIT_ERROR;
	}
	log_info(
		"replay",
		"'%s': %llu frames, %llu IP packets, %llu flows (%llu with an app), %llu objects inspected, %llu alerts",
		path, (unsigned long long)ps.frames, (unsigned long long)ps.packets,
		(unsigned long long)ns.flows, (unsigned long long)ns.flows_attributed,
		(unsigned long long)ns.streams_scanned, (unsigned long long)ns.alerts);
	if (ns.malformed || ps.bad_frames)
		log_warn("replay", "'%s': %llu malformed packets skipped", path,
			 (unsigned long long)(ns.malformed + ps.bad_frames));
	log_info("replay", "'%s': %llu flows expired, %llu evicted; %zu bytes of state per flow",
		 path, (unsigned long long)ns.flows_expired, (unsigned long long)ns.flows_evicted,
		 net_inspect_flow_state_bytes());
	if (ns.stream_gaps || ns.segments_out_of_window || ns.reassembly_dropped)
		log_info(
			"replay",
			"'%s': %llu stream gaps, %llu segments out of window, %llu bytes dropped at buffer bounds",
			path, (unsigned long long)ns.stream_gaps,
			(unsigned long long)ns.segments_out_of_window,
			(unsigned long long)ns.reassembly_dropped);
	agent_log_outbox(agent);
	return ns.alerts_failed || flushed ? AGENT_EXIT_ERROR : AGENT_EXIT_OK;
}
