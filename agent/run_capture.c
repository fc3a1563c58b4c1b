// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live network sensor of `raqib-agent run` (see run_capture.h).
 */
#include "run_capture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outbox/outbox.h"
#include "pipeline/net_inspect.h"

/* Idle flows are looked for this often; capture drops are reported at most this often. */
#define EXPIRE_MS	1000
#define DROPS_REPORT_MS 60000
#define SNAPLEN_MAX	262144

struct run_capture {
	struct net_inspect *net;
	struct pcap_live *live;
	struct loop *loop;
	uint64_t reported_drops;
	struct capture_fd {
		struct run_capture *cap;
		size_t index;
	} fds[PCAP_LIVE_MAX_INTERFACES];
};

int run_capture_option(struct run_capture_options *opt, int code, const char *arg)
{
	uint64_t n;

	switch (code) {
	case RUN_CAPTURE_OPT_INTERFACE:
		if (opt->n_interfaces == PCAP_LIVE_MAX_INTERFACES) {
			log_error("agent", "too many --interface options: at most %d",
				  PCAP_LIVE_MAX_INTERFACES);
			return AGENT_EXIT_USAGE;
		}
		opt->interfaces[opt->n_interfaces++] = arg;
		return 0;
	case RUN_CAPTURE_OPT_FILTER:
		opt->filter = arg;
		return 0;
	case RUN_CAPTURE_OPT_SNAPLEN:
		if (agent_parse_u64(arg, &n) || n < 68 || n > SNAPLEN_MAX) {
			log_error("agent", "invalid --snaplen '%s': expected bytes from 68 to %d",
				  arg, SNAPLEN_MAX);
			return AGENT_EXIT_USAGE;
		}
		opt->snaplen = n;
		return 0;
	default:
		return AGENT_EXIT_USAGE;
	}
}

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ctx: the entry of cap->fds of the interface that is readable. */
static int on_capture(void *ctx, int fd)
{
	struct capture_fd *cfd = ctx;
	int n = pcap_live_dispatch(cfd->cap->live, cfd->index);

	(void)fd;
	return n < 0 ? n : 0;
}

static uint64_t total_drops(struct run_capture *cap, bool log_each)
{
	uint64_t drops = 0;

	for (size_t i = 0; i < pcap_live_count(cap->live); i++) {
		struct pcap_live_stats st;

		if (pcap_live_get_stats(cap->live, i, &st))
			continue;
		drops += st.dropped + st.if_dropped;
		if (log_each)
			log_info(
				"capture",
				"'%s': %llu frames, %llu IP packets, %llu bad, %llu dropped by the kernel, %llu by the interface",
				st.interface, (unsigned long long)st.frames,
				(unsigned long long)st.packets, (unsigned long long)st.bad_frames,
				(unsigned long long)st.dropped, (unsigned long long)st.if_dropped);
	}
	return drops;
}

static int on_expire(void *ctx, uint64_t now_ms)
{
	struct run_capture *cap = ctx;

	(void)now_ms;
	net_inspect_expire(cap->net, wall_us());
	return 0;
}

static int on_drops(void *ctx, uint64_t now_ms)
{
	struct run_capture *cap = ctx;
	uint64_t drops = total_drops(cap, false);

	(void)now_ms;
	if (drops > cap->reported_drops) {
		log_warn("capture",
			 "%llu packets dropped by capture so far (%llu in the last minute)",
			 (unsigned long long)drops,
			 (unsigned long long)(drops - cap->reported_drops));
		cap->reported_drops = drops;
	}
	return 0;
}

struct run_capture *run_capture_start(struct agent *agent, struct loop *loop,
				      const struct run_capture_options *opt,
				      const struct conn_table *conns)
{
	struct net_inspect_config ncfg = { .max_flows = 1u << 18,
					   .idle_timeout_us = 300000000u,
					   .conns = conns,
					   .limits = &agent->limits };
	struct pcap_live_config lcfg = { .interfaces = opt->interfaces,
					 .n_interfaces = opt->n_interfaces,
					 .filter = opt->filter,
					 .snaplen = (int)opt->snaplen };
	struct run_capture *cap = calloc(1, sizeof(*cap));
	char err[512];
	int rc = 0;

	if (agent->max_file_bytes_set)
		ncfg.max_object_bytes = agent->limits.max_read_bytes;
	if (!cap) {
		log_error("capture", "cannot start capture: out of memory");
		return NULL;
	}
	cap->loop = loop;
	cap->net = net_inspect_new(agent->rules, agent->sink, agent->sink_ctx, &ncfg);
	if (!cap->net) {
		log_error("capture", "cannot start the network path: %s", strerror(errno));
		goto err_free;
	}
	cap->live = pcap_live_open(&lcfg, net_inspect_on_packet, cap->net, err, sizeof(err));
	if (!cap->live) {
		log_error("capture", "%s", err);
		goto err_free;
	}
	for (size_t i = 0; i < pcap_live_count(cap->live) && !rc; i++) {
		cap->fds[i].cap = cap;
		cap->fds[i].index = i;
		rc = loop_add_fd(loop, pcap_live_fd(cap->live, i), on_capture, &cap->fds[i]);
	}
	if (!rc)
		rc = loop_add_timer(loop, EXPIRE_MS, on_expire, cap);
	if (!rc)
		rc = loop_add_timer(loop, DROPS_REPORT_MS, on_drops, cap);
	if (rc) {
		log_error("capture", "cannot watch the capture: %s", strerror(-rc));
		goto err_free;
	}
	log_info("capture", "capturing on %zu interfaces%s%s", opt->n_interfaces,
		 opt->filter ? " with filter " : "", opt->filter ? opt->filter : "");
	return cap;

err_free:
	pcap_live_close(cap->live);
	net_inspect_free(cap->net);
	free(cap);
	return NULL;
}

const char *run_capture_server_name(const struct run_capture *cap, int family, const uint8_t *addr)
{
	return net_inspect_server_name(cap->net, family, addr);
}

int run_capture_set_rules(struct run_capture *cap, const struct rules *rules)
{
	return cap ? net_inspect_set_rules(cap->net, rules) : 0;
}

void run_capture_stop(struct run_capture *cap)
{
	struct net_inspect_stats ns;

	if (!cap)
		return;
	net_inspect_flush(cap->net);
	net_inspect_get_stats(cap->net, &ns);
	total_drops(cap, true);
	log_info("capture", "%llu flows (%llu with an app), %llu objects inspected, %llu alerts",
		 (unsigned long long)ns.flows, (unsigned long long)ns.flows_attributed,
		 (unsigned long long)ns.streams_scanned, (unsigned long long)ns.alerts);
	pcap_live_close(cap->live);
	net_inspect_free(cap->net);
	free(cap);
}
