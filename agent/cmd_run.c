// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-agent run: the live agent. Builds the host path (BPF sensor → host_events → outbox)
 * and runs the event loop until a signal or --duration.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "outbox/heartbeat.h"
#include "outbox/outbox.h"
#include "pipeline/host_events.h"
#include "sensors/bpf_sensor.h"
#include "run_capture.h"

/* Records are queued without wakeups; the ring buffer is drained at least this often. */
#define RINGBUF_DRAIN_MS 100
/* How soon a SIGHUP is acted on. */
#define RELOAD_CHECK_MS 200
/* How long a stopping agent waits for Redis to take what is in the spool (the rest waits). */
#define RUN_FLUSH_TIMEOUT_MS 3000

struct run_options {
	uint64_t duration_s; /* 0: until a signal */
	const char *ready_file;
	struct run_capture_options capture; /* live network capture (run_capture.h) */
};

static int write_ready_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int parse_options(struct agent *agent, int argc, char **argv, struct run_options *opt)
{
	static const struct option options[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "ready-file", required_argument, NULL, 'R' },
		AGENT_LIMIT_OPTIONS,
		{ "interface", required_argument, NULL, RUN_CAPTURE_OPT_INTERFACE },
		{ "capture-filter", required_argument, NULL, RUN_CAPTURE_OPT_FILTER },
		{ "snaplen", required_argument, NULL, RUN_CAPTURE_OPT_SNAPLEN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+d:h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (agent_parse_u64(optarg, &opt->duration_s)) {
				log_error("agent", "invalid --duration '%s': expected seconds > 0",
					  optarg);
				return AGENT_EXIT_USAGE;
			}
			break;
		case 'R':
			opt->ready_file = optarg;
			break;
		case RUN_CAPTURE_OPT_INTERFACE:
		case RUN_CAPTURE_OPT_FILTER:
		case RUN_CAPTURE_OPT_SNAPLEN:
			if (run_capture_option(&opt->capture, c, optarg))
				return AGENT_EXIT_USAGE;
			break;
		case 'h':
			agent_usage(stdout);
			return -1;
		default:
			if (agent_is_limit_option(c) && !agent_parse_limit(agent, c, optarg))
				break;
			return AGENT_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		log_error("agent", "wrong arguments for 'run': see raqib-agent --help");
		return AGENT_EXIT_USAGE;
	}
	return 0;
}

static int on_ringbuf(void *ctx, int fd)
{
	int n = bpf_sensor_poll(ctx, 0);

	(void)fd;
	return n < 0 ? n : 0;
}

static int on_drain(void *ctx, uint64_t now_ms)
{
	int n = bpf_sensor_poll(ctx, 0);

	(void)now_ms;
	return n < 0 ? n : 0;
}

struct reload_ctx {
	struct agent *agent;
	struct host_events *host;
	struct bpf_sensor *sensor;
	struct run_capture *capture; /* NULL without --interface */
};

/* SIGHUP: the rules are loaded again; packs that are refused leave the running rules in place. */
static int on_reload_check(void *ctx, uint64_t now_ms)
{
	struct reload_ctx *rc = ctx;
	struct rules *fresh, *old = rc->agent->rules;
	const char *const *names;
	size_t n;

	(void)now_ms;
	if (!*rc->agent->reload)
		return 0;
	*rc->agent->reload = 0;
	if (agent_reload_rules(rc->agent, &fresh)) {
		log_warn("run", "rules not reloaded: keeping rules %.12s", rules_hash(old));
		return 0;
	}
	if (host_events_set_rules(rc->host, fresh)) {
		log_error("run", "cannot switch to the new rules: out of memory; keeping the old ones");
		rules_free(fresh);
		return 0;
	}
	if (run_capture_set_rules(rc->capture, fresh)) {
		log_error("run",
			  "cannot switch to the new rules: out of memory; keeping the old ones");
		host_events_set_rules(rc->host, old);
		rules_free(fresh);
		return 0;
	}
	names = rules_app_exe_names(fresh, &n);
	if (n > RAQIB_WATCH_NAMES_MAX)
		n = RAQIB_WATCH_NAMES_MAX;
	if (bpf_sensor_set_watch_names(rc->sensor, names, n))
		log_error("run", "cannot update the kernel's watch list; new apps are not watched");
	rc->agent->rules = fresh;
	rules_free(old);
	log_info("run", "reloaded rules %.12s (%zu app executables)", rules_hash(fresh), n);
	return 0;
}

/* Heartbeats of the live path (issue 7): the sensor's state and every stage's counters. */
static void run_heartbeat(void *ctx, struct heartbeat_fields *f)
{
	const struct reload_ctx *rc = ctx;
	struct bpf_sensor_stats bs;
	struct host_events_stats hs;

	bpf_sensor_get_stats(rc->sensor, &bs);
	host_events_get_stats(rc->host, &hs);
	heartbeat_set(f, "sensor.bpf", HEARTBEAT_SENSOR_ATTACHED);
	heartbeat_set_u64(f, "events", bs.records);
	heartbeat_set_u64(f, "bpf.drops.bad_records", bs.bad_records);
	heartbeat_set_u64(f, "bpf.drops.ringbuf", bs.drops_ringbuf);
	heartbeat_set_u64(f, "bpf.drops.watch_full", bs.drops_watch_full);
	heartbeat_set_u64(f, "bpf.drops.args_full", bs.drops_args_full);
	heartbeat_set_u64(f, "host.opens", hs.opens);
	heartbeat_set_u64(f, "host.inspected", hs.inspected);
	heartbeat_set_u64(f, "host.drops.inspect_failed", hs.inspect_failed);
	heartbeat_set_u64(f, "host.drops.proc_refused", hs.proc_refused);
	heartbeat_set_u64(f, "alerts", hs.alerts);
	heartbeat_set_u64(f, "host.alerts_failed", hs.alerts_failed);
	heartbeat_set_u64(f, "host.shadow", hs.shadow);
}

static void log_counters(struct bpf_sensor *sensor, struct host_events *host)
{
	struct bpf_sensor_stats bs;
	struct host_events_stats hs;

	bpf_sensor_get_stats(sensor, &bs);
	host_events_get_stats(host, &hs);
	log_info("run",
		 "%llu records (%llu bad, %llu dropped in kernel), %llu opens, %llu files inspected, %llu alerts",
		 (unsigned long long)bs.records, (unsigned long long)bs.bad_records,
		 (unsigned long long)(bs.drops_ringbuf + bs.drops_watch_full + bs.drops_args_full),
		 (unsigned long long)hs.opens, (unsigned long long)hs.inspected,
		 (unsigned long long)hs.alerts);
}

int cmd_run(struct agent *agent, int argc, char **argv)
{
	struct run_options opt = { 0 };
	struct host_events_config cfg = { .max_processes = 1u << 16 };
	struct host_events *host = NULL;
	struct bpf_sensor *sensor = NULL;
	struct host_events_stats hs;
	struct reload_ctx reload;
	struct run_capture *capture = NULL;
	struct loop *loop = NULL;
	const char *const *names;
	size_t n_names;
	char err[512];
	int ret = AGENT_EXIT_ERROR, rc;

	rc = parse_options(agent, argc, argv, &opt);
	if (rc)
		return rc < 0 ? AGENT_EXIT_OK : rc;
	if (bpf_sensor_preflight(err, sizeof(err))) {
		log_error("run", "%s", err);
		return AGENT_EXIT_ERROR;
	}
	if (agent_open_outbox(agent) || agent_load_rules(agent))
		return AGENT_EXIT_ERROR;
	cfg.limits = agent->limits;
	host = host_events_new(agent->rules, outbox_sink, agent->outbox, &cfg);
	loop = loop_new();
	if (!host || !loop) {
		log_error("run", "cannot start the host path: %s", strerror(errno));
		goto out;
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
	reload = (struct reload_ctx){ .agent = agent, .host = host, .sensor = sensor };
	rc = loop_add_fd(loop, bpf_sensor_fd(sensor), on_ringbuf, sensor);
	if (!rc)
		rc = loop_add_timer(loop, RINGBUF_DRAIN_MS, on_drain, sensor);
	if (!rc)
		rc = loop_add_timer(loop, RELOAD_CHECK_MS, on_reload_check, &reload);
	/* heartbeats (issue 7) */
	agent->mode = "run";
	if (!rc)
		rc = heartbeat_add_provider(agent->heartbeat, run_heartbeat, &reload);
	if (!rc)
		rc = agent_add_heartbeat_timer(agent, loop);
	if (!rc)
		agent_send_heartbeat(agent, "running");
	if (rc) {
		log_error("run", "cannot watch the BPF ring buffer: %s", strerror(-rc));
		goto out;
	}
	log_info("run", "watching %zu app executables", n_names);
	if (opt.capture.n_interfaces) {
		capture = run_capture_start(agent, loop, &opt.capture, NULL);
		if (!capture)
			goto out;
		reload.capture = capture;
	}
	if (opt.ready_file && write_ready_file(opt.ready_file)) {
		log_error("run", "cannot create ready file '%s': %s", opt.ready_file,
			  strerror(errno));
		goto out;
	}
	rc = loop_run(loop, agent->stop, opt.duration_s * 1000);
	bpf_sensor_poll(sensor, 0); /* what was queued before the stop */
	if (rc) {
		log_error("run", "cannot read the BPF ring buffer: %s", strerror(-rc));
		goto out;
	}
	host_events_get_stats(host, &hs);
	ret = hs.alerts_failed ? AGENT_EXIT_ERROR : AGENT_EXIT_OK;
out:
	if (sensor) {
		agent_send_heartbeat(agent, "stopped");
		heartbeat_remove_provider(agent->heartbeat, &reload);
		agent_flush_outbox(agent, RUN_FLUSH_TIMEOUT_MS);
		log_counters(sensor, host);
	}
	bpf_sensor_free(sensor);
	run_capture_stop(capture);
	loop_free(loop);
	host_events_free(host);
	agent_log_outbox(agent);
	return ret;
}
