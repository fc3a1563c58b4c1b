// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-agent run: the live agent. Builds the host path (BPF sensor → host_events → outbox),
 * registers each sensor's file descriptors and timers with the event loop, drops the
 * privileges no longer needed, and runs the loop until a signal or --duration. What is still
 * pending when it stops (staged files, TLS streams) is decided before the outbox is flushed.
 *
 * Set-up order, so that each part slots in: sensors (host, then network), periodic work,
 * heartbeats, then the privilege drop, which must come after every sensor is attached.
 */
#include "agent.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "outbox/heartbeat.h"
#include "outbox/outbox.h"
#include "pipeline/conn_table.h"
#include "pipeline/host_events.h"
#include "sensors/bpf_sensor.h"
#include "run_capture.h"
#include "run_watch.h"

/* Records are queued without wakeups; the ring buffer is drained at least this often. */
#define RINGBUF_DRAIN_MS 100
/* How soon a SIGHUP is acted on. */
#define RELOAD_CHECK_MS 200
/* How long a stopping agent waits for Redis to take what is in the spool (the rest waits). */
#define RUN_FLUSH_TIMEOUT_MS 3000
/* Flow counters are read, upload windows and idle TLS streams checked, this often. */
#define HOST_TICK_MS 250
/* Connections whose owner the network path can look up. */
#define CONN_TABLE_MAX (1u << 16)

struct run_options {
	uint64_t duration_s; /* 0: until a signal */
	const char *ready_file;
	struct run_capture_options capture; /* live network capture (run_capture.h) */
	uint64_t upload_window_s;
	uint64_t tls_capture_bytes;
	uint64_t reopen_quiet_ms;
	bool no_tls;
	bool no_names;
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
		{ "upload-window", required_argument, NULL, 'W' },
		{ "tls-capture-bytes", required_argument, NULL, 'T' },
		{ "no-tls", no_argument, NULL, 'N' },
		{ "no-names", no_argument, NULL, 'M' },
		{ "reopen-quiet-ms", required_argument, NULL, 'Q' },
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
		case 'W':
			if (agent_parse_u64(optarg, &opt->upload_window_s)) {
				log_error("agent",
					  "invalid --upload-window '%s': expected seconds > 0",
					  optarg);
				return AGENT_EXIT_USAGE;
			}
			break;
		case 'T':
			if (agent_parse_u64(optarg, &opt->tls_capture_bytes) ||
			    opt->tls_capture_bytes > RAQIB_TLS_CHUNKS_MAX * RAQIB_TLS_CHUNK_MAX) {
				log_error("agent",
					  "invalid --tls-capture-bytes '%s': expected 1 to %d",
					  optarg, RAQIB_TLS_CHUNKS_MAX * RAQIB_TLS_CHUNK_MAX);
				return AGENT_EXIT_USAGE;
			}
			break;
		case 'N':
			opt->no_tls = true;
			break;
		case 'M':
			opt->no_names = true;
			break;
		case 'Q':
			/* 0 is allowed: every open is reported */
			if (strcmp(optarg, "0") == 0) {
				opt->reopen_quiet_ms = 0;
			} else if (agent_parse_u64(optarg, &opt->reopen_quiet_ms)) {
				log_error("agent", "invalid --reopen-quiet-ms '%s': expected milliseconds",
					  optarg);
				return AGENT_EXIT_USAGE;
			}
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
	struct bpf_sensor *sensor; /* NULL: host sensor unavailable, network sensor only */
	struct run_capture *capture; /* NULL without --interface */
	struct run_watch *watch; /* what the kernel watches, from the rules */
	char sensor_state[160]; /* heartbeat's sensor.bpf */
};

/* CLOCK_BOOTTIME, the clock of the kernel's records. */
static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Host path's periodic work: flow counters read from the kernel, windows closed. */
static int on_host_tick(void *ctx, uint64_t now_ms)
{
	struct reload_ctx *rc = ctx;
	int n = rc->sensor ? bpf_sensor_poll(rc->sensor, 0) : 0; /* records before the scan */

	(void)now_ms;
	if (n < 0)
		return n;
	if (rc->sensor)
		bpf_sensor_scan_flows(rc->sensor);
	host_events_tick(rc->host, boot_ns());
	return 0;
}

/* SIGHUP: the rules are loaded again; packs that are refused leave the running rules in place. */
static int on_reload_check(void *ctx, uint64_t now_ms)
{
	struct reload_ctx *rc = ctx;
	struct rules *fresh, *old = rc->agent->rules;

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
	if (run_watch_set_rules(rc->watch, fresh, rc->sensor)) {
		log_error("run",
			  "cannot switch to the new rules: out of memory; keeping the old ones");
		run_capture_set_rules(rc->capture, old);
		host_events_set_rules(rc->host, old);
		rules_free(fresh);
		return 0;
	}
	rc->agent->rules = fresh;
	rules_free(old);
	log_info("run", "reloaded rules %.12s (%zu app executables)", rules_hash(fresh),
		 run_watch_names(rc->watch));
	return 0;
}

/* Heartbeats of the live path (issue 7): the sensor's state and every stage's counters. */
static void run_heartbeat(void *ctx, struct heartbeat_fields *f)
{
	const struct reload_ctx *rc = ctx;
	struct bpf_sensor_stats bs;
	struct host_events_stats hs;

	memset(&bs, 0, sizeof(bs));
	if (rc->sensor)
		bpf_sensor_get_stats(rc->sensor, &bs);
	host_events_get_stats(rc->host, &hs);
	heartbeat_set(f, "sensor.bpf", "%s", rc->sensor_state);
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
	heartbeat_set_u64(f, "host.names.connections", hs.names_connections);
	heartbeat_set_u64(f, "host.watched_by_dest", hs.watched_by_dest);
	heartbeat_set_u64(f, "bpf.drops.pkt_ringbuf", bs.drops_pkt_ringbuf);
}

static void log_counters(struct bpf_sensor *sensor, struct host_events *host)
{
	struct bpf_sensor_stats bs;
	struct host_events_stats hs;

	bpf_sensor_get_stats(sensor, &bs);
	host_events_get_stats(host, &hs);
	log_info(
		"run",
		"%llu records (%llu bad, %llu lost in the ring, %llu other kernel drops), %llu opens, %llu files inspected, %llu staged, %llu uploads, %llu read only, %llu TLS streams, %llu alerts",
		(unsigned long long)bs.records, (unsigned long long)bs.bad_records,
		(unsigned long long)(bs.drops_ringbuf + bs.drops_tls_ringbuf +
				     bs.drops_pkt_ringbuf),
		(unsigned long long)(bs.drops_watch_full + bs.drops_args_full +
				     bs.drops_flows_full + bs.drops_tls_cut + bs.drops_path),
		(unsigned long long)hs.opens, (unsigned long long)hs.inspected,
		(unsigned long long)hs.staged, (unsigned long long)hs.uploads,
		(unsigned long long)hs.read_only, (unsigned long long)hs.tls_streams,
		(unsigned long long)hs.alerts);
}

/* Network sensor alone: once its capture handles are open, no capability is needed any more. */
static int drop_all_capabilities(char *err, size_t err_len)
{
	int rc;

	capng_clear(CAPNG_SELECT_BOTH);
	rc = capng_apply(CAPNG_SELECT_BOTH);
	if (rc) {
		snprintf(err, err_len, "cannot drop capabilities: libcap-ng error %d", rc);
		return -EPERM;
	}
	log_info("run", "capabilities dropped: none kept");
	return 0;
}

/* The correlator's name of a flow's server: what the network sensor learnt, when it runs. */
static const char *capture_name_of(void *ctx, const struct corr_tuple *tuple)
{
	struct run_capture *const *capture = ctx;

	return *capture ? run_capture_server_name(*capture, tuple->family, tuple->daddr) : NULL;
}

int cmd_run(struct agent *agent, int argc, char **argv)
{
	struct run_options opt = { .upload_window_s = 300, .reopen_quiet_ms = 1000 };
	struct host_events_config cfg;
	struct bpf_sensor_config scfg;
	struct host_events *host = NULL;
	struct bpf_sensor *sensor = NULL;
	struct conn_table *conns = NULL;
	struct host_events_stats hs;
	struct reload_ctx reload = { 0 };
	struct run_capture *capture = NULL;
	struct loop *loop = NULL;
	struct run_watch *watch = NULL;
	char err[512], host_err[512] = "";
	int ret = AGENT_EXIT_ERROR, rc;

	rc = parse_options(agent, argc, argv, &opt);
	if (rc)
		return rc < 0 ? AGENT_EXIT_OK : rc;
	/*
	 * Without the host sensor there is nothing to watch, unless interfaces were named: then the
	 * network sensor runs alone, and the heartbeat says the host sensor is missing.
	 */
	if (bpf_sensor_preflight(err, sizeof(err))) {
		if (!opt.capture.n_interfaces) {
			log_error("run", "%s", err);
			return AGENT_EXIT_ERROR;
		}
		snprintf(host_err, sizeof(host_err), "%s", err);
	}
	if (agent_open_outbox(agent) || agent_load_rules(agent))
		return AGENT_EXIT_ERROR;

	/* The host path: connection owners (also read by the network path), host_events. */
	host_events_config_default(&cfg);
	cfg.limits = agent->limits;
	cfg.corr.window_ns = opt.upload_window_s * 1000000000ull;
	/* browsers count as messaging when the network sensor named the address (DNS, SNI) */
	cfg.corr.name_of = capture_name_of;
	cfg.corr.name_ctx = &capture;
	conns = conn_table_new(CONN_TABLE_MAX);
	cfg.conns = conns;
	host = conns ? host_events_new(agent->rules, outbox_sink, agent->outbox, &cfg) : NULL;
	loop = loop_new();
	if (!host || !loop) {
		log_error("run", "cannot start the host path: %s", strerror(errno));
		goto out;
	}

	/* The eBPF host sensor: the core tier is required, the others degrade. */
	watch = run_watch_new(agent->rules);
	if (!watch) {
		log_error("run", "cannot start the host path: %s", strerror(errno));
		goto out;
	}
	bpf_sensor_config_default(&scfg);
	run_watch_configure(watch, &scfg);
	scfg.sink = host_events_on_event;
	scfg.sink_ctx = host;
	scfg.tls = !opt.no_tls;
	scfg.names = !opt.no_names;
	scfg.reopen_quiet_ms = opt.reopen_quiet_ms;
	if (opt.tls_capture_bytes)
		scfg.tls_max_bytes = (uint32_t)opt.tls_capture_bytes;
	if (!host_err[0]) {
		sensor = bpf_sensor_new(&scfg, err, sizeof(err));
		if (!sensor && !opt.capture.n_interfaces) {
			log_error("run", "%s", err);
			goto out;
		}
		if (!sensor)
			snprintf(host_err, sizeof(host_err), "%s", err);
	}
	reload = (struct reload_ctx){
		.agent = agent, .host = host, .sensor = sensor, .watch = watch
	};
	if (sensor) {
		snprintf(reload.sensor_state, sizeof(reload.sensor_state), "%s",
			 HEARTBEAT_SENSOR_ATTACHED);
		rc = loop_add_fd(loop, bpf_sensor_fd(sensor), on_ringbuf, sensor);
		if (!rc)
			rc = loop_add_timer(loop, RINGBUF_DRAIN_MS, on_drain, sensor);
	} else {
		log_warn("run", "host sensor unavailable: %s; running with the network sensor only "
				"(degraded)", host_err);
		snprintf(reload.sensor_state, sizeof(reload.sensor_state),
			 HEARTBEAT_SENSOR_DEGRADED ": host sensor unavailable, network sensor only");
		rc = 0;
	}
	if (!rc)
		rc = loop_add_timer(loop, HOST_TICK_MS, on_host_tick, &reload);
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

	/* capture handles are opened while the agent may still open them (CAP_NET_RAW) */
	if (opt.capture.n_interfaces) {
		capture = run_capture_start(agent, loop, &opt.capture, conns);
		if (!capture)
			goto out;
		reload.capture = capture;
	}
	/* Every sensor is attached: keep only what the running agent needs (bpf_sensor.h). */
	if (sensor ? bpf_sensor_drop_privileges(sensor, err, sizeof(err)) :
		     drop_all_capabilities(err, sizeof(err)))
		log_warn("run", "%s; running with full privileges", err);
	if (sensor)
		log_info(
			"run",
			"watching %zu app executables, and any process that connects to a channel (%zu of its server names matched in userspace only)",
			run_watch_names(watch), run_watch_skipped_patterns(watch));
	if (opt.ready_file && write_ready_file(opt.ready_file)) {
		log_error("run", "cannot create ready file '%s': %s", opt.ready_file,
			  strerror(errno));
		goto out;
	}
	rc = loop_run(loop, agent->stop, opt.duration_s * 1000);
	if (sensor) {
		bpf_sensor_poll(sensor, 0); /* what was queued before the stop */
		bpf_sensor_scan_flows(sensor);
	}
	host_events_flush(host); /* pending staged files and TLS streams are decided now */
	if (rc) {
		log_error("run", "cannot read the BPF ring buffer: %s", strerror(-rc));
		goto out;
	}
	host_events_get_stats(host, &hs);
	ret = hs.alerts_failed ? AGENT_EXIT_ERROR : AGENT_EXIT_OK;
out:
	if (reload.sensor_state[0]) { /* the loop was set up */
		agent_send_heartbeat(agent, "stopped");
		heartbeat_remove_provider(agent->heartbeat, &reload);
		agent_flush_outbox(agent, RUN_FLUSH_TIMEOUT_MS);
		if (sensor)
			log_counters(sensor, host);
	}
	bpf_sensor_free(sensor);
	run_capture_stop(capture);
	capture = NULL; /* the correlator's name_of hook sees no network sensor any more */
	loop_free(loop);
	host_events_free(host);
	run_watch_free(watch);
	conn_table_free(conns);
	agent_log_outbox(agent);
	return ret;
}
