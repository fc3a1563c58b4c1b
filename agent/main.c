// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-agent: the per-host process. It builds the pipeline (rules, host and network paths,
 * outbox) for the chosen mode and runs it:
 *
 *   run            eBPF host sensor, live, until stopped
 *   replay FILE    a capture file through the network path
 *
 * See docs/man/raqib-agent.1; --help and the man page list the same options.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "raqib/log.h"
#include "raqib/redis_conn.h"
#include "raqib/rules.h"
#include "outbox/outbox.h"
#include "pipeline/host_events.h"
#include "pipeline/net_inspect.h"
#include "sensors/bpf_sensor.h"
#include "sensors/pcap_replay.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

#define EXIT_USAGE 2
#define REDIS_TIMEOUT_MS 3000
#define POLL_INTERVAL_MS 100

static volatile sig_atomic_t stop_requested;

struct agent_options {
	const char *redis;
	const char *agent_id;
	const char *ready_file;
	long duration_s; /* 0: until a signal */
	size_t max_file_bytes;
	enum raqib_log_level log_level;
};

/* Everything main() builds for one run, passed down instead of globals. */
struct agent {
	struct agent_options opt;
	struct raqib_redis_addr redis;
	char host_name[256];
	char agent_id[65];
	struct rules *rules;
	struct outbox *outbox;
};

static const char usage_text[] =
	"Usage: raqib-agent [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Watches this host for official documents and personal data leaving through messaging\n"
	"apps, and sends alerts to the raqib collector's Redis stream (raqib:events).\n"
	"\n"
	"Commands:\n"
	"  run                  watch live: messaging apps opening sensitive files (eBPF; root)\n"
	"  replay FILE          inspect a capture file (pcap or pcapng) offline\n"
	"\n"
	"Options:\n"
	"  -r, --redis HOST:PORT     Redis to send alerts to (default: $RAQIB_REDIS, else\n"
	"                            127.0.0.1:6379)\n"
	"      --agent-id ID         agent id in alerts (default: the host name)\n"
	"  -d, --duration SECONDS    run: stop after SECONDS (default: until SIGINT or SIGTERM)\n"
	"      --ready-file PATH     run: create PATH once the sensors are attached\n"
	"      --max-file-bytes N    bytes of a file inspected at most (default: 67108864)\n"
	"  -v, --verbose             log debug messages (twice: library internals too)\n"
	"  -q, --quiet               log errors only\n"
	"  -h, --help                show this help and exit\n"
	"  -V, --version             show the version and exit\n"
	"\n"
	"Examples:\n"
	"  sudo raqib-agent run\n"
	"      watch until stopped, alerts to the local Redis\n"
	"  raqib-agent --redis 10.0.0.5:6379 replay upload.pcap\n"
	"      report sensitive cleartext uploads found in a capture\n"
	"  RAQIB_REDIS=127.0.0.1:6390 sudo -E raqib-agent run --duration 60\n"
	"\n"
	"Exit status: 0 on success, 1 on an error (bad capture, Redis unreachable, missing\n"
	"privileges), 2 on a usage error.\n";

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN); /* a dropped Redis connection is an error return, not a death */
	return 0;
}

static int parse_size(const char *text, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *end || v == 0 || text[0] == '-')
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static int parse_seconds(const char *text, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v <= 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The host name, reduced to the characters an agent id may hold. */
static void default_agent_id(const char *host, char *out, size_t out_len)
{
	size_t n = 0;

	for (size_t i = 0; host[i] && n + 1 < out_len; i++) {
		char c = host[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';

		out[n++] = ok ? c : '_';
	}
	if (n == 0)
		out[n++] = 'x';
	out[n] = '\0';
}

static int agent_open_outbox(struct agent *agent)
{
	char err[512];

	agent->outbox = outbox_new(&agent->redis, agent->agent_id, agent->host_name,
				   REDIS_TIMEOUT_MS, err, sizeof(err));
	if (!agent->outbox) {
		log_error("agent", "%s", err);
		return -EIO;
	}
	return 0;
}

static int agent_load_rules(struct agent *agent)
{
	struct rules_error rerr;

	agent->rules = rules_new_builtin(&rerr);
	if (!agent->rules) {
		log_error("rules", "cannot build the rules: %s", rerr.text);
		return -EINVAL;
	}
	return 0;
}

static void log_outbox_stats(const struct agent *agent)
{
	struct outbox_stats os;

	outbox_get_stats(agent->outbox, &os);
	log_info("outbox", "%llu alerts sent, %llu failed", (unsigned long long)os.sent,
		 (unsigned long long)os.failed);
}

static int cmd_replay(struct agent *agent, const char *path)
{
	struct net_inspect_config cfg = { .max_flows = 1u << 18, .idle_timeout_us = 300000000u };
	struct pcap_replay_stats ps;
	struct net_inspect_stats ns;
	struct net_inspect *net;
	char err[512];
	int rc;

	if (access(path, R_OK) != 0) {
		log_error("replay", "cannot open capture '%s': %s", path, strerror(errno));
		return 1;
	}
	if (agent_open_outbox(agent) || agent_load_rules(agent))
		return 1;
	net = net_inspect_new(agent->rules, outbox_sink, agent->outbox, &cfg);
	if (!net) {
		log_error("replay", "cannot start the network path: %s", strerror(errno));
		return 1;
	}
	rc = pcap_replay_run(path, net_inspect_on_packet, net, &ps, err, sizeof(err));
	net_inspect_flush(net);
	net_inspect_get_stats(net, &ns);
	net_inspect_free(net);
	if (rc) {
		/* what was read before the damage was inspected and sent; say what is wrong */
		log_error("replay", "%s", err);
		return 1;
	}
	log_info("replay",
		 "'%s': %llu frames, %llu IP packets, %llu flows, %llu streams scanned, %llu alerts",
		 path, (unsigned long long)ps.frames, (unsigned long long)ps.packets,
		 (unsigned long long)ns.flows, (unsigned long long)ns.streams_scanned,
		 (unsigned long long)ns.alerts);
	if (ns.malformed || ps.bad_frames)
		log_warn("replay", "'%s': %llu malformed packets skipped", path,
			 (unsigned long long)(ns.malformed + ps.bad_frames));
	log_outbox_stats(agent);
	return ns.alerts_failed ? 1 : 0;
}

static int write_ready_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static double elapsed_s(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

static int cmd_run(struct agent *agent)
{
	struct host_events_config cfg = { .max_processes = 1u << 16 };
	const char *const *names;
	size_t n_names;
	struct host_events *host = NULL;
	struct bpf_sensor *sensor = NULL;
	struct bpf_sensor_stats bs;
	struct host_events_stats hs;
	struct timespec start;
	char err[512];
	int ret = 1;

	if (bpf_sensor_preflight(err, sizeof(err))) {
		log_error("run", "%s", err);
		return 1;
	}
	if (agent_open_outbox(agent) || agent_load_rules(agent))
		return 1;
	extract_limits_default(&cfg.limits);
	cfg.limits.max_read_bytes = agent->opt.max_file_bytes;
	host = host_events_new(agent->rules, outbox_sink, agent->outbox, &cfg);
	if (!host) {
		log_error("run", "cannot start the host path: %s", strerror(errno));
		return 1;
	}
	names = rules_app_exe_names(agent->rules, &n_names);
	if (n_names > RAQIB_WATCH_NAMES_MAX) {
		log_warn("run", "the app catalog names %zu executables; the kernel watches the first %d",
			 n_names, RAQIB_WATCH_NAMES_MAX);
		n_names = RAQIB_WATCH_NAMES_MAX;
	}
	sensor = bpf_sensor_new(names, n_names, host_events_on_event, host, err, sizeof(err));
	if (!sensor) {
		log_error("run", "%s", err);
		goto out;
	}
	log_info("run", "watching %zu app executables", n_names);
	if (agent->opt.ready_file && write_ready_file(agent->opt.ready_file)) {
		log_error("run", "cannot create ready file '%s': %s", agent->opt.ready_file,
			  strerror(errno));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!stop_requested) {
		int n = bpf_sensor_poll(sensor, POLL_INTERVAL_MS);

		if (n < 0) {
			log_error("run", "cannot read the BPF ring buffer: %s", strerror(-n));
			goto out;
		}
		if (agent->opt.duration_s && elapsed_s(&start) >= (double)agent->opt.duration_s)
			break;
	}
	bpf_sensor_poll(sensor, 0); /* what was queued before the stop */
	ret = 0;
out:
	if (sensor) {
		bpf_sensor_get_stats(sensor, &bs);
		host_events_get_stats(host, &hs);
		log_info("run",
			 "%llu records (%llu bad, %llu dropped in kernel), %llu opens, %llu files inspected, %llu alerts",
			 (unsigned long long)bs.records, (unsigned long long)bs.bad_records,
			 (unsigned long long)(bs.drops_ringbuf + bs.drops_watch_full +
					      bs.drops_args_full),
			 (unsigned long long)hs.opens, (unsigned long long)hs.inspected,
			 (unsigned long long)hs.alerts);
		if (hs.alerts_failed)
			ret = 1;
	}
	bpf_sensor_free(sensor);
	host_events_free(host);
	log_outbox_stats(agent);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "redis", required_argument, NULL, 'r' },
		{ "agent-id", required_argument, NULL, 'A' },
		{ "duration", required_argument, NULL, 'd' },
		{ "ready-file", required_argument, NULL, 'R' },
		{ "max-file-bytes", required_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent agent = {
		.opt = { .max_file_bytes = 64u << 20, .log_level = RAQIB_LOG_INFO },
	};
	const char *source, *command;
	int c, ret;

	log_init("raqib-agent", RAQIB_LOG_INFO);
	while ((c = getopt_long(argc, argv, "r:d:vqhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'r':
			agent.opt.redis = optarg;
			break;
		case 'A':
			agent.opt.agent_id = optarg;
			break;
		case 'd':
			if (parse_seconds(optarg, &agent.opt.duration_s)) {
				log_error("agent", "invalid --duration '%s': expected seconds > 0",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'R':
			agent.opt.ready_file = optarg;
			break;
		case 'M':
			if (parse_size(optarg, &agent.opt.max_file_bytes)) {
				log_error("agent", "invalid --max-file-bytes '%s': expected bytes > 0",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			if (agent.opt.log_level < RAQIB_LOG_TRACE)
				agent.opt.log_level++;
			break;
		case 'q':
			agent.opt.log_level = RAQIB_LOG_ERROR;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("raqib-agent %s\n", RAQIB_VERSION);
			return 0;
		default:
			fputs("Try 'raqib-agent --help' for more information.\n", stderr);
			return EXIT_USAGE;
		}
	}
	log_set_level(agent.opt.log_level);
	if (optind >= argc) {
		log_error("agent", "no command given (run, replay)");
		fputs("Try 'raqib-agent --help' for more information.\n", stderr);
		return EXIT_USAGE;
	}
	command = argv[optind++];
	if (raqib_redis_addr_select(agent.opt.redis, &agent.redis, &source)) {
		log_error("agent", "invalid redis address from %s: expected HOST:PORT", source);
		return EXIT_USAGE;
	}
	if (gethostname(agent.host_name, sizeof(agent.host_name) - 1))
		snprintf(agent.host_name, sizeof(agent.host_name), "localhost");
	if (agent.opt.agent_id)
		snprintf(agent.agent_id, sizeof(agent.agent_id), "%s", agent.opt.agent_id);
	else
		default_agent_id(agent.host_name, agent.agent_id, sizeof(agent.agent_id));
	if (install_signals()) {
		log_error("agent", "cannot install signal handlers: %s", strerror(errno));
		return 1;
	}

	if (strcmp(command, "run") == 0 && optind == argc) {
		ret = cmd_run(&agent);
	} else if (strcmp(command, "replay") == 0 && optind + 1 == argc) {
		ret = cmd_replay(&agent, argv[optind]);
	} else if (strcmp(command, "run") == 0 || strcmp(command, "replay") == 0) {
		log_error("agent", "wrong arguments for '%s': see raqib-agent --help", command);
		return EXIT_USAGE;
	} else {
		log_error("agent", "unknown command '%s' (run, replay)", command);
		return EXIT_USAGE;
	}
	outbox_free(agent.outbox);
	rules_free(agent.rules);
	return ret;
}
