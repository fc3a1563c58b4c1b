// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-collector: reads every enrolled agent's stream (raqib:{s:<site>}:in:<agent>) in the
 * "collectors" consumer group, checks each entry's signature before anything else, stores
 * alerts with their indexes, timelines and incidents, keeps heartbeats, dead-letters what it
 * refuses, notifies, and serves /metrics and the value search. Several collectors can share
 * the group. Configuration: collector.yml, then the command line. See
 * docs/man/raqib-collector.1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "config.h"
#include "desk_api.h"
#include "find_api.h"
#include "http_server.h"
#include "keystore.h"
#include "notify.h"
#include "raqib/log.h"
#include "raqib/redis_conn.h"
#include "raqib/schema.h"
#include "retention.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

#define EXIT_USAGE 2

static volatile sig_atomic_t stop_requested;

static const char usage_text[] =
	"Usage: raqib-collector [OPTIONS]\n"
	"\n"
	"Reads the stream of every enrolled agent (raqib:{s:SITE}:in:AGENT, agents listed in\n"
	"raqib:registry) in the consumer group \"collectors\", checks each entry's signature first,\n"
	"stores alerts with their timelines, incidents, provenance and value index, keeps the\n"
	"agents' heartbeats and coverage gaps, then acknowledges. Refused entries go, whole, to\n"
	"raqib:{s:SITE}:dead with the reason. Several collectors can share the group.\n"
	"\n"
	"Options:\n"
	"      --config FILE       configuration file (default: /etc/raqib/collector.yml when it\n"
	"                          exists; every key in docs/collector.yml.md)\n"
	"      --check-config      read the configuration, print it as in effect, and exit\n"
	"  -r, --redis HOST:PORT   Redis (one server or any node of a cluster) (default: redis in\n"
	"                          the file, else $RAQIB_REDIS, else 127.0.0.1:6379)\n"
	"  -c, --consumer NAME     consumer name in the group (default: HOST-PID)\n"
	"      --keys DIR          agents' keys AGENT-ID.key, deployment.key, collector.key (made\n"
	"                          when missing), investigators (default: keys in the file, else\n"
	"                          $RAQIB_KEYS, else /etc/raqib/keys)\n"
	"      --metrics ADDR:PORT serve /metrics and /api/find there, e.g. 127.0.0.1:9477\n"
	"                          (default: metrics.listen in the file, else none; \"off\": none)\n"
	"      --desk ADDR:PORT    serve the desk there: the HTTP API and the web UI for analysts,\n"
	"                          investigators and administrators (default: desk.listen in the\n"
	"                          file, else none; \"off\": none). Over TLS with desk.tls_cert and\n"
	"                          desk.tls_key; without them only on a loopback address\n"
	"      --set KEY=VALUE     set one configuration key, as in the file (repeatable), e.g.\n"
	"                          --set incidents.window=2h\n"
	"      --drain             store what is in the streams now, then exit\n"
	"      --retention-once    apply the retention periods once, then exit\n"
	"      --clock-offset DURATION\n"
	"                          move the collector's clock (receive times, retention) by\n"
	"                          DURATION, e.g. 91d or -2h: for tests of retention and windows\n"
	"  -v, --verbose           log debug messages (twice: library internals too)\n"
	"  -q, --quiet             log errors only\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Examples:\n"
	"  raqib-collector\n"
	"      consume from the local Redis until SIGINT or SIGTERM\n"
	"  raqib-collector --redis 10.0.0.5:6379 --consumer collector-a\n"
	"  raqib-collector --drain && raqibctl incidents\n"
	"  raqib-collector --config /etc/raqib/collector.yml --check-config\n"
	"  raqib-collector --metrics 127.0.0.1:9477 &\n"
	"  curl -s http://127.0.0.1:9477/metrics | grep raqib_alerts_stored_total\n"
	"  raqib-collector --desk 0.0.0.0:8443 --set desk.tls_cert=/etc/raqib/desk.crt \\\n"
	"      --set desk.tls_key=/etc/raqib/desk.key\n"
	"      the desk on every address, over TLS (tokens: raqibctl token-add NAME --role ROLE)\n"
	"\n"
	"Exit status: 0 on success, 1 on an error (Redis unreachable at start, keys unusable),\n"
	"2 on a usage or configuration error.\n";

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

enum {
	OPT_CONFIG = 1000,
	OPT_CHECK,
	OPT_KEYS,
	OPT_METRICS,
	OPT_DESK,
	OPT_SET,
	OPT_DRAIN,
	OPT_RETENTION,
	OPT_CLOCK,
};

static int metrics_route(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct collector *c = ctx;
	char *text = collector_metrics_text(c);

	(void)req;
	if (!text)
		return -ENOMEM;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	resp->body = text;
	resp->body_len = strlen(text);
	return 0;
}

static int parse_offset(const char *text, int64_t *ms)
{
	bool negative = text[0] == '-';

	if (config_parse_duration(text + (negative || text[0] == '+'), ms))
		return -EINVAL;
	if (negative)
		*ms = -*ms;
	return 0;
}

/* Applies the command line's --set pairs. */
static int apply_sets(struct collector_config *cfg, char **sets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct config_error err;
		char *eq = strchr(sets[i], '=');

		if (!eq) {
			log_error("collector", "invalid --set '%s': expected KEY=VALUE", sets[i]);
			return -EINVAL;
		}
		*eq = '\0';
		if (config_set(cfg, sets[i], eq + 1, &err)) {
			log_error("collector", "--set: %s", err.text);
			return -EINVAL;
		}
	}
	return 0;
}

/* True when listen ("ADDR:PORT") is a loopback address. */
static bool is_loopback(const char *listen)
{
	struct raqib_redis_addr addr;

	if (raqib_redis_addr_parse(listen, &addr))
		return false;
	return strncmp(addr.host, "127.", 4) == 0 || strcmp(addr.host, "::1") == 0;
}

/*
 * The desk's settings: a certificate and a key together; plain HTTP only on a loopback address,
 * since tokens and case data would otherwise cross the network in clear.
 */
static int check_desk(const struct collector_config *cfg)
{
	if (!cfg->desk_listen[0])
		return 0;
	if (!cfg->desk_tls_cert[0] != !cfg->desk_tls_key[0]) {
		log_error("collector", "desk.tls_cert and desk.tls_key go together: give both");
		return -EINVAL;
	}
	if (!cfg->desk_tls_cert[0] && !is_loopback(cfg->desk_listen)) {
		log_error(
			"collector",
			"the desk on '%s' needs TLS (desk.tls_cert and desk.tls_key): tokens and cases would cross the network in clear; without TLS it listens on a loopback address only",
			cfg->desk_listen);
		return -EINVAL;
	}
	return 0;
}

/* Starts the desk's server: its API and UI routes, over TLS when configured. */
static struct http_server *start_desk(struct collector *c, struct desk **desk)
{
	struct http_route routes[DESK_ROUTES_MAX];
	struct http_tls tls = { c->cfg.desk_tls_cert, c->cfg.desk_tls_key };
	struct http_server *server;
	char err[512];
	size_t n;

	*desk = desk_new(c, err, sizeof(err));
	if (!*desk) {
		log_error("collector", "%s", err);
		return NULL;
	}
	n = desk_routes(*desk, routes, DESK_ROUTES_MAX);
	server = http_server_start_tls(c->cfg.desk_listen, routes, n,
				       c->cfg.desk_tls_cert[0] ? &tls : NULL, err, sizeof(err));
	if (!server) {
		log_error("collector", "desk: %s", err);
		return NULL;
	}
	{
		struct raqib_redis_addr addr;

		/* the port it listens on, when desk.listen asked for any (":0") */
		if (raqib_redis_addr_parse(c->cfg.desk_listen, &addr))
			snprintf(addr.host, sizeof(addr.host), "?");
		log_info("collector", "the desk is on %s://%s%s%s:%d/",
			 c->cfg.desk_tls_cert[0] ? "https" : "http",
			 strchr(addr.host, ':') ? "[" : "", addr.host,
			 strchr(addr.host, ':') ? "]" : "", http_server_port(server));
	}
	return server;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "redis", required_argument, NULL, 'r' },
		{ "consumer", required_argument, NULL, 'c' },
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "desk", required_argument, NULL, OPT_DESK },
		{ "set", required_argument, NULL, OPT_SET },
		{ "drain", no_argument, NULL, OPT_DRAIN },
		{ "retention-once", no_argument, NULL, OPT_RETENTION },
		{ "clock-offset", required_argument, NULL, OPT_CLOCK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct collector c;
	struct sigaction sa = { .sa_handler = on_signal };
	enum raqib_log_level level = RAQIB_LOG_INFO;
	const char *config_path = NULL, *redis = NULL, *consumer = NULL, *keys = NULL;
	const char *metrics = NULL, *desk_listen = NULL, *source;
	char *sets[32];
	size_t n_sets = 0;
	bool check = false, retention_once = false;
	struct http_server *http = NULL;
	struct find_api *find = NULL;
	struct http_server *desk_http = NULL;
	struct desk *desk = NULL;
	struct config_error cerr;
	char host[64], err[512];
	int opt, ret = 1, rc;

	log_init("raqib-collector", level);
	c.stop = &stop_requested;
	config_defaults(&c.cfg);
	while ((opt = getopt_long(argc, argv, "r:c:vqhV", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_CONFIG:
			config_path = optarg;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case 'r':
			redis = optarg;
			break;
		case 'c':
			consumer = optarg;
			break;
		case OPT_KEYS:
			keys = optarg;
			break;
		case OPT_METRICS:
			metrics = optarg;
			break;
		case OPT_DESK:
			desk_listen = optarg;
			break;
		case OPT_SET:
			if (n_sets == sizeof(sets) / sizeof(sets[0])) {
				log_error("collector", "too many --set options");
				return EXIT_USAGE;
			}
			sets[n_sets++] = optarg;
			break;
		case OPT_DRAIN:
			c.drain = true;
			break;
		case OPT_RETENTION:
			retention_once = true;
			break;
		case OPT_CLOCK:
			if (parse_offset(optarg, &c.clock_offset_ms)) {
				log_error(
					"collector",
					"invalid --clock-offset '%s': expected a duration such as 91d or -2h",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			if (level < RAQIB_LOG_TRACE)
				level++;
			break;
		case 'q':
			level = RAQIB_LOG_ERROR;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("raqib-collector %s\n", RAQIB_VERSION);
			return 0;
		default:
			fputs("Try 'raqib-collector --help' for more information.\n", stderr);
			return EXIT_USAGE;
		}
	}
	log_set_level(level);
	if (optind != argc) {
		log_error("collector", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	rc = config_load(&c.cfg, config_path ? config_path : COLLECTOR_CONFIG_DEFAULT, &cerr);
	if (rc && (config_path || rc != -ENOENT)) {
		if (cerr.line)
			log_error("collector", "%s:%u: %s", cerr.file, cerr.line, cerr.text);
		else
			log_error("collector", "%s: %s", cerr.file, cerr.text);
		return EXIT_USAGE;
	}
	if (apply_sets(&c.cfg, sets, n_sets))
		return EXIT_USAGE;
	if (redis)
		snprintf(c.cfg.redis, sizeof(c.cfg.redis), "%s", redis);
	if (consumer)
		snprintf(c.cfg.consumer, sizeof(c.cfg.consumer), "%s", consumer);
	if (keys)
		snprintf(c.cfg.keys_dir, sizeof(c.cfg.keys_dir), "%s", keys);
	if (metrics)
		snprintf(c.cfg.metrics_listen, sizeof(c.cfg.metrics_listen), "%s",
			 strcmp(metrics, "off") == 0 ? "" : metrics);
	if (desk_listen)
		snprintf(c.cfg.desk_listen, sizeof(c.cfg.desk_listen), "%s",
			 strcmp(desk_listen, "off") == 0 ? "" : desk_listen);
	if (check_desk(&c.cfg))
		return EXIT_USAGE;
	if (raqib_redis_addr_select(c.cfg.redis[0] ? c.cfg.redis : NULL, &c.redis, &source)) {
		log_error("collector", "invalid redis address from %s: expected HOST:PORT",
			  c.cfg.redis[0] ? "the configuration" : source);
		return EXIT_USAGE;
	}
	if (check) {
		config_print(&c.cfg, stdout);
		return 0;
	}
	if (c.cfg.consumer[0]) {
		snprintf(c.consumer, sizeof(c.consumer), "%s", c.cfg.consumer);
	} else {
		if (gethostname(host, sizeof(host) - 1))
			snprintf(host, sizeof(host), "collector");
		host[sizeof(host) - 1] = '\0';
		snprintf(c.consumer, sizeof(c.consumer), "%s-%d", host, (int)getpid());
	}
	c.policy = (struct store_policy){ .incident_window_ms = c.cfg.incident_window_ms,
					  .spread_min_hosts = c.cfg.spread_min_hosts,
					  .dead_letters_max = c.cfg.dead_letters_max };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&c.lock, NULL);

	c.keys = keystore_new(c.cfg.keys_dir[0] ? c.cfg.keys_dir : NULL, err, sizeof(err));
	if (!c.keys || keystore_load_collector_key(c.keys, err, sizeof(err))) {
		log_error("collector", "%s", err);
		goto out;
	}
	if (collector_connect(&c, true))
		goto out;
	if (retention_once) {
		ret = retention_run(&c) < 0 ? 1 : 0;
		goto out;
	}
	c.notifier = notifier_new(&c.cfg, err, sizeof(err));
	if (!c.notifier && err[0]) {
		log_error("collector", "%s", err);
		goto out;
	}
	if (!keystore_value_key_id(c.keys))
		log_warn(
			"collector",
			"no deployment key in '%s': the deployment key of alerts is not checked, and searching by value is off",
			keystore_dir(c.keys));
	if (c.cfg.metrics_listen[0]) {
		struct http_route routes[2] = {
			{ "GET", "/metrics", metrics_route, &c },
		};
		size_t n_routes = 1;

		if (keystore_value_key_id(c.keys)) {
			find = find_api_new(&c, err, sizeof(err));
			if (!find) {
				log_error("collector", "%s", err);
				goto out;
			}
			routes[n_routes++] =
				(struct http_route){ "POST", "/api/find", find_api_handle, find };
		}
		http = http_server_start(c.cfg.metrics_listen, routes, n_routes, err, sizeof(err));
		if (!http) {
			log_error("collector", "%s", err);
			goto out;
		}
	}
	if (c.cfg.desk_listen[0]) {
		desk_http = start_desk(&c, &desk);
		if (!desk_http)
			goto out;
	}
	log_info("collector", "consuming the agents' streams as '%s'%s%s", c.consumer,
		 http ? "; metrics on " : "", http ? c.cfg.metrics_listen : "");
	ret = collector_run(&c) ? 1 : 0;
	log_info("collector",
		 "%" PRIu64 " alerts stored, %" PRIu64 " duplicates, %" PRIu64
		 " sequence gaps, %" PRIu64 " heartbeats, %" PRIu64 " entries refused",
		 c.m.stored, c.m.duplicates, c.m.gaps, c.m.heartbeats,
		 c.m.dead[0] + c.m.dead[1] + c.m.dead[2] + c.m.dead[3] + c.m.dead[4] + c.m.dead[5] +
			 c.m.dead[6]);
out:
	http_server_stop(desk_http);
	desk_free(desk);
	http_server_stop(http);
	find_api_free(find);
	notifier_free(c.notifier, 3000);
	store_free(c.store);
	keystore_free(c.keys);
	free(c.agents);
	free(c.m.rules);
	return ret;
}
