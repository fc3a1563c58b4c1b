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
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "raqib/keys.h"
#include "loop.h"
#include "outbox/heartbeat.h"
#include "outbox/outbox.h"
#include "raqib/keyspace.h"
#include "pipeline/conn_table.h"
#include "pipeline/host_events.h"
#include "sensors/bpf_sensor.h"
#include "notice.h"
#include "rules_follow.h"
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
	/* Pushed rules (docs/rules.md, "Pushing rules") */
	const char *site; /* --site: versions targeted at this site apply */
	const char *rules_key; /* --rules-key: the administrator's public key */
	const char *notify_socket; /* --notify-socket: the awareness notice's helpers connect */
	uint64_t rules_poll_s; /* --rules-poll */
	bool no_rules_updates; /* --no-rules-updates */
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
		{ "site", required_argument, NULL, 'S' },
		{ "rules-key", required_argument, NULL, 'K' },
		{ "rules-poll", required_argument, NULL, 'P' },
		{ "no-rules-updates", no_argument, NULL, 'U' },
		{ "notify-socket", required_argument, NULL, 'O' },
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
		case 'S':
			/* the agent's site: its stream's, and the one pushed versions target */
			if (!raqib_site_is_valid(optarg, strlen(optarg))) {
				log_error("run",
					  "invalid --site '%.32s': use 1 to 32 letters, digits, '.', '-' or '_'",
					  optarg);
				return AGENT_EXIT_USAGE;
			}
			opt->site = optarg;
			agent->site = optarg;
			break;
		case 'K':
			opt->rules_key = optarg;
			break;
		case 'P':
			if (agent_parse_u64(optarg, &opt->rules_poll_s) ||
			    opt->rules_poll_s > 86400) {
				log_error("agent",
					  "invalid --rules-poll '%s': expected 1 to 86400 seconds",
					  optarg);
				return AGENT_EXIT_USAGE;
			}
			break;
		case 'U':
			opt->no_rules_updates = true;
			break;
		case 'O':
			opt->notify_socket = optarg;
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
	char pushed_path[4096]; /* where the version in use is kept for a restart ("": nowhere) */
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

/*
 * Puts fresh in place of the running rules, between two events of the loop: every stage
 * switches, or none does (the old rules then stay and fresh is freed). Returns 0 or -ENOMEM.
 */
static int swap_rules(struct reload_ctx *rc, struct rules *fresh)
{
	struct rules *old = rc->agent->rules;

	rules_carry_counters(fresh, old);
	if (host_events_set_rules(rc->host, fresh)) {
		log_error("run", "cannot switch to the new rules: out of memory; keeping the old ones");
		rules_free(fresh);
		return -ENOMEM;
	}
	if (run_capture_set_rules(rc->capture, fresh)) {
		log_error("run",
			  "cannot switch to the new rules: out of memory; keeping the old ones");
		host_events_set_rules(rc->host, old);
		rules_free(fresh);
		return -ENOMEM;
	}
	if (run_watch_set_rules(rc->watch, fresh, rc->sensor)) {
		log_error("run",
			  "cannot switch to the new rules: out of memory; keeping the old ones");
		run_capture_set_rules(rc->capture, old);
		host_events_set_rules(rc->host, old);
		rules_free(fresh);
		return -ENOMEM;
	}
	rc->agent->rules = fresh;
	outbox_set_rules_hash(rc->agent->outbox, rules_hash(fresh));
	rules_free(old);
	log_info("run", "rules %.12s in use (%zu app executables)", rules_hash(fresh),
		 run_watch_names(rc->watch));
	return 0;
}

/* SIGHUP: the rules are loaded again; packs that are refused leave the running rules in place. */
static int on_reload_check(void *ctx, uint64_t now_ms)
{
	struct reload_ctx *rc = ctx;
	struct rules *fresh;

	(void)now_ms;
	if (!*rc->agent->reload)
		return 0;
	*rc->agent->reload = 0;
	if (agent_reload_rules(rc->agent, &fresh)) {
		log_warn("run", "rules not reloaded: keeping rules %.12s",
			 rules_hash(rc->agent->rules));
		return 0;
	}
	swap_rules(rc, fresh);
	return 0;
}

/* A pushed version was verified and compiled by the follower's thread: swap it in. */
static int on_rules_ready(void *ctx, int fd)
{
	struct reload_ctx *rc = ctx;
	struct raqib_rules_bundle bundle;
	char sig[RAQIB_RULES_SIG_HEX_BYTES], *json;
	struct rules *fresh = rules_follow_take(rc->agent->follow, &bundle, &json, sig);

	(void)fd;
	if (fresh && swap_rules(rc, fresh) == 0) {
		raqib_rules_bundle_release(&rc->agent->pushed);
		rc->agent->pushed = bundle;
		if (rc->pushed_path[0] && rules_follow_save(rc->pushed_path, json, sig))
			log_warn("run", "cannot keep rules version %" PRIu64 " in '%s': a restart without redis runs the one before",
				 bundle.version, rc->pushed_path);
		if (bundle.version)
			log_info("run", "running rules version %" PRIu64, bundle.version);
		else
			log_info("run",
				 "no pushed rules version for this agent: running its own rules");
		agent_send_heartbeat(rc->agent, "running"); /* the collector sees the version now */
	} else {
		raqib_rules_bundle_release(&bundle);
	}
	free(json);
	return 0;
}

/* The administrator's public key: --rules-key, else KEYS/rules-signing.pub. */
static const char *rules_key_path(const struct agent *agent, const struct run_options *opt,
				  char *buf, size_t len)
{
	if (opt->rules_key)
		return opt->rules_key;
	snprintf(buf, len, "%s/%s", raqib_keys_dir(agent->keys_dir), RAQIB_RULES_VERIFY_KEY_FILE);
	return buf;
}

/*
 * The version this agent ran last, kept beside its spool: loaded before the rules are built,
 * so that an agent restarted while Redis is away still runs it. Only a version the key
 * verifies and meant for this agent is taken.
 */
static void load_kept_version(struct agent *agent, const struct run_options *opt,
			      struct reload_ctx *rc)
{
	char dir[4096], key[4096], err[512];
	int ret;

	if (opt->no_rules_updates || (!opt->rules_key && access(rules_key_path(agent, opt, key,
								      sizeof(key)), F_OK)) ||
	    outbox_spool_dir(agent->spool_dir, agent->agent_id, dir, sizeof(dir)) ||
	    (size_t)snprintf(rc->pushed_path, sizeof(rc->pushed_path), "%s/rules-pushed", dir) >=
		    sizeof(rc->pushed_path)) {
		rc->pushed_path[0] = '\0';
		return;
	}
	ret = rules_follow_load_saved(rc->pushed_path, rules_key_path(agent, opt, key, sizeof(key)),
				      agent->site, agent->agent_id, agent->host_name,
				      &agent->pushed, err, sizeof(err));
	if (ret == 0)
		log_info("run", "starting with rules version %" PRIu64 " (kept from the last run)",
			 agent->pushed.version);
	else if (ret != -ENOENT)
		log_warn("run", "not starting with the rules version kept: %s", err);
}

/*
 * Follows the versions pushed through Redis when the administrator's public key is there
 * (--rules-key, default KEYS/rules-signing.pub). Returns 0, or -EINVAL when --rules-key was
 * given and cannot be used.
 */
static int follow_rules(struct agent *agent, struct loop *loop, const struct run_options *opt,
			struct reload_ctx *rc)
{
	struct rules_follow_config cfg = {
		.redis = agent->redis,
		.agent_id = agent->agent_id,
		.host_name = agent->host_name,
		.site = agent->site,
		.keys_dir = agent->keys_dir,
		.insecure_no_acl = agent->insecure_no_acl,
		.poll_ms = (unsigned)(opt->rules_poll_s ? opt->rules_poll_s : 60) * 1000,
		.current_version = agent->pushed.version,
		.build = agent_build_rules,
		.build_ctx = agent,
	};
	char path[4096], err[512];

	if (opt->no_rules_updates)
		return 0;
	cfg.verify_key_path = rules_key_path(agent, opt, path, sizeof(path));
	if (!opt->rules_key && access(path, F_OK) != 0) {
		log_info("run", "no rules key '%s': pushed rules are not followed (docs/rules.md)",
			 path);
		return 0;
	}
	agent->follow = rules_follow_start(&cfg, err, sizeof(err));
	if (!agent->follow) {
		log_error("run", "%s", err);
		return opt->rules_key ? -EINVAL : 0;
	}
	if (loop_add_fd(loop, rules_follow_fd(agent->follow), on_rules_ready, rc)) {
		rules_follow_stop(agent->follow);
		agent->follow = NULL;
		return -ENOMEM;
	}
	return 0;
}

static const char *notice_guidance(void *ctx)
{
	const struct agent *agent = ctx;

	return rules_notice_guidance(agent->rules);
}

/* The awareness notice's counters (heartbeat_provider_fn). */
static void notice_heartbeat(void *ctx, struct heartbeat_fields *f)
{
	struct notice_stats s;

	notice_server_get_stats(ctx, &s);
	heartbeat_set_u64(f, "notice.clients", s.clients);
	heartbeat_set_u64(f, "notice.sent", s.sent);
	heartbeat_set_u64(f, "notice.drops.no_helper", s.no_helper);
	heartbeat_set_u64(f, "notice.drops.not_reading", s.dropped);
}

/*
 * With --notify-socket, the users' raqib-notify helpers connect there, and alerts go through
 * the notice's sink on their way to the outbox. Returns 0 or -EIO (logged).
 */
static int start_notices(struct agent *agent, struct loop *loop, const char *path,
			 struct notice_server **server, struct notice_sink *sink)
{
	char err[512];

	if (!path)
		return 0;
	*server = notice_server_new(path, err, sizeof(err));
	if (!*server) {
		log_error("run", "%s", err);
		return -EIO;
	}
	*sink = (struct notice_sink){ .next = agent->sink,
				      .next_ctx = agent->sink_ctx,
				      .server = *server,
				      .guidance = notice_guidance,
				      .guidance_ctx = agent };
	agent->sink = notice_sink;
	agent->sink_ctx = sink;
	if (loop_add_fd(loop, notice_server_fd(*server), notice_server_accept, *server) ||
	    heartbeat_add_provider(agent->heartbeat, notice_heartbeat, *server)) {
		log_error("run", "cannot listen for notice helpers: out of memory");
		return -EIO;
	}
	log_info("run", "awareness notices to the helpers on '%s'", path);
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
	struct notice_server *notices = NULL;
	struct notice_sink notice_sink_ctx;
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
	if (agent_open_outbox(agent))
		return AGENT_EXIT_ERROR;
	load_kept_version(agent, &opt, &reload);
	if (agent_load_rules(agent) && agent->pushed.version) {
		/* the version kept no longer compiles with this agent's own packs: without it */
		log_warn("run", "rules version %" PRIu64 " kept from the last run does not compile: starting without it",
			 agent->pushed.version);
		raqib_rules_bundle_release(&agent->pushed);
		if (agent_load_rules(agent))
			return AGENT_EXIT_ERROR;
	} else if (!agent->rules) {
		return AGENT_EXIT_ERROR;
	}

	/* The host path: connection owners (also read by the network path), host_events. */
	host_events_config_default(&cfg);
	cfg.limits = agent->limits;
	cfg.corr.window_ns = opt.upload_window_s * 1000000000ull;
	/* browsers count as messaging when the network sensor named the address (DNS, SNI) */
	cfg.corr.name_of = capture_name_of;
	cfg.corr.name_ctx = &capture;
	conns = conn_table_new(CONN_TABLE_MAX);
	cfg.conns = conns;
	loop = loop_new();
	if (loop && start_notices(agent, loop, opt.notify_socket, &notices, &notice_sink_ctx))
		goto out;
	host = conns ? host_events_new(agent->rules, agent->sink, agent->sink_ctx, &cfg) : NULL;
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
	reload.agent = agent; /* pushed_path is set already */
	reload.host = host;
	reload.sensor = sensor;
	reload.watch = watch;
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
	if (!rc && follow_rules(agent, loop, &opt, &reload))
		goto out;
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
	rules_follow_stop(agent->follow); /* before the rules it builds on go */
	agent->follow = NULL;
	if (notices)
		heartbeat_remove_provider(agent->heartbeat, notices);
	notice_server_free(notices);
	agent->sink = outbox_sink; /* notice_sink_ctx goes with this function */
	agent->sink_ctx = agent->outbox;
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
