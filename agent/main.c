// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-agent: the per-host process. main() parses the global options, builds struct agent and
 * hands it to the command (cmd_*.c), which builds the sensors and stages it needs:
 *
 *   run            eBPF host sensor, live, until stopped          (cmd_run.c)
 *   replay FILE    a capture file through the network path        (cmd_replay.c)
 *
 * See docs/man/raqib-agent.1; --help and the man page list the same options.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "outbox/outbox.h"
#include "raqib/keyspace.h"
#include "raqib/schema.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static const char usage_text[] =
	"Usage: raqib-agent [OPTIONS] COMMAND [COMMAND OPTIONS] [ARGS]\n"
	"\n"
	"Watches this host for official documents and personal data leaving through messaging\n"
	"apps, and sends alerts to its own Redis stream, raqib:{s:SITE}:in:AGENT-ID, which the\n"
	"raqib collector reads.\n"
	"\n"
	"Commands:\n"
	"  run                  watch live: messaging apps opening sensitive files (eBPF; root)\n"
	"  replay FILE          inspect a capture file (pcap or pcapng) offline\n"
	"  scan PATH...         inspect files and directories at rest with the rules\n"
	"  check [PATH]         validate rule packs (the built-in ones, with PATH or --rules on\n"
	"                       top); --effective prints the effective rule set and where each\n"
	"                       field came from, --rule ID one rule of it\n"
	"  test-rules CASES.yml run an administrator's policy tests: each case's event against\n"
	"                       the expected decision, explaining every decision (-v: all cases)\n"
	"\n"
	"Options (before the command):\n"
	"  -r, --redis HOST:PORT     Redis to send alerts to (default: $RAQIB_REDIS, else\n"
	"                            127.0.0.1:6379)\n"
	"      --agent-id ID         agent id in alerts (default: the host name)\n"
	"      --rules PATH          the administrator's rule packs (a directory of .yml packs, or\n"
	"                            one pack), layered on the built-in packs: they add rules,\n"
	"                            override fields of a rule by id, disable one, or replace a\n"
	"                            built-in pack of the same name (default: $RAQIB_RULES)\n"
	"      --no-builtin-rules    load the packs of --rules alone, without the built-in ones\n"
	"  -v, --verbose             log debug messages (twice: library internals too)\n"
	"  -q, --quiet               log errors only\n"
	"  -h, --help                show this help and exit\n"
	"  -V, --version             show the version and exit\n"
	"\n"
	"Options of the outbox and heartbeats (before the command; run and replay):\n"
	"      --spool-dir DIR       alerts wait on disk in DIR/AGENT-ID until Redis took them\n"
	"                            (default: $RAQIB_SPOOL, else /var/lib/raqib/spool as root,\n"
	"                            else ~/.local/state/raqib/spool)\n"
	"      --spool-max-bytes N   spool size at most; past 50/75/90/100 % of it, low, medium,\n"
	"                            high, then critical alerts are refused (default: 268435456)\n"
	"      --spool-fsync POLICY  always (default), never, or a number of milliseconds\n"
	"      --keys DIR            agent key AGENT-ID.key and deployment.key (default: $RAQIB_KEYS,\n"
	"                            else /etc/raqib/keys; created when missing)\n"
	"      --heartbeat-interval SECONDS\n"
	"                            heartbeat (a signed entry of the agent's stream) every\n"
	"                            SECONDS (default: 5)\n"
	"      --site NAME           the agent's site: its stream is raqib:{s:NAME}:in:AGENT-ID\n"
	"                            (default: $RAQIB_SITE, else \"default\"; docs/storage.md)\n"
	"      --insecure-no-acl     development only: send as Redis's default user (also\n"
	"                            RAQIB_INSECURE_NO_ACL=1). Without it the agent sends only as\n"
	"                            its ACL user raqib-agent-AGENT-ID, and keeps alerts in the\n"
	"                            spool while Redis refuses that user\n"
	"\n"
	"Options of run:\n"
	"  -d, --duration SECONDS    stop after SECONDS (default: until SIGINT or SIGTERM)\n"
	"      --ready-file PATH     create PATH once the sensors are attached\n"
	"      --interface IF        also capture packets on IF (repeatable; \"any\" for all):\n"
	"                            attribute flows to apps, inspect cleartext uploads;\n"
	"                            runs alone (degraded) when the host sensor cannot start\n"
	"      --capture-filter EXPR capture only what the pcap-filter(7) expression matches\n"
	"      --snaplen BYTES       bytes kept of each captured packet (default: 262144)\n"
	"      --upload-window SECONDS  how long a sensitive file an app opened waits for its\n"
	"                            upload before it is reported as read only (default: 300)\n"
	"      --tls-capture-bytes N plaintext copied per TLS write at most (default: 16384)\n"
	"      --no-tls              do not hook TLS libraries (no plaintext capture)\n"
	"      --no-names            do not read DNS answers and TLS/QUIC handshakes of every\n"
	"                            process (browsers' servers then named with --interface only)\n"
	"      --reopen-quiet-ms N   a file a process reopens within N ms is not reported again\n"
	"                            (default: 1000; 0: every open)\n"
	"      --rules-key FILE      follow the rule versions pushed through Redis (raqibctl rules\n"
	"                            push), loading only those this public key verifies (default:\n"
	"                            KEYS/rules-signing.pub when it exists; otherwise none)\n"
	"      --site NAME           this agent's site: versions pushed for it apply\n"
	"      --rules-poll SECONDS  ask Redis for versions this often besides the announcements\n"
	"                            (default: 60)\n"
	"      --no-rules-updates    do not follow pushed versions\n"
	"      --notify-socket PATH  listen on PATH for the users' raqib-notify helpers: an alert\n"
	"                            whose policy says notify: true is also shown to its user\n"
	"                            (the awareness notice; off without this option)\n"
	"\n"
	"Options of replay:\n"
	"      --flows               print each flow as a JSON line on stdout when it ends:\n"
	"                            5-tuple, Community ID, nDPI protocol, app, bytes, bursts\n"
	"\n"
	"Options of scan (exit status like grep: 0 found, 1 nothing found, 2 error):\n"
	"      --json                one JSON line per file (masked values)\n"
	"      --format FORMAT       text (default), json, or score (lines for corpus/score.py)\n"
	"      --explain             say why each finding fired: rule, score, checksum, context\n"
	"      --hidden              also scan hidden files and directories\n"
	"      --digest              print each file's similarity digest (for fingerprint rules)\n"
	"      --report              also send each sensitive file as an alert (dataset\n"
	"                            raqib.at_rest) to the collector, so that a document's\n"
	"                            provenance shows where copies live (opt in; uses the outbox)\n"
	"\n"
	"Extraction limits (options of run, replay and scan); past one a file is reported\n"
	"\"partially inspected\" with the reason:\n"
	"      --max-file-bytes N    bytes of a file read at most (default: 67108864; uploads\n"
	"                            seen on the network: 16777216)\n"
	"      --max-expanded-bytes N  bytes decompressed from the archives and documents of one\n"
	"                            file, all together (default: 268435456)\n"
	"      --max-ratio N         a member expanding past N times its compressed size is a\n"
	"                            bomb (default: 100)\n"
	"      --max-depth N         archives and attachments nested deeper are skipped (default: 4)\n"
	"      --max-file-ms MS      time spent on one file (default: 10000)\n"
	"\n"
	"Examples:\n"
	"  sudo raqib-agent run\n"
	"      watch until stopped, alerts to the local Redis\n"
	"  raqib-agent --redis 10.0.0.5:6379 replay upload.pcap\n"
	"      report sensitive cleartext uploads found in a capture\n"
	"  RAQIB_REDIS=127.0.0.1:6390 sudo -E raqib-agent run --duration 60\n"
	"  sudo raqib-agent run --interface eth0 --interface wlan0 --capture-filter 'not port 22'\n"
	"      watch files and the network: apps of every flow, cleartext uploads\n"
	"  raqib-agent replay --flows capture.pcap | jq 'select(.raqib.app)'\n"
	"      list the flows of messaging apps in a capture\n"
	"  raqib-agent scan --explain ~/Documents\n"
	"      list the files holding personal data or official documents, and why\n"
	"  raqib-agent --rules ./my-packs scan --format score corpus/ > predictions.jsonl\n"
	"  raqib-agent --rules /etc/raqib/rules check --rule policy.upload.sensitive\n"
	"      the policy as the packs leave it, each field with the file and line it is from\n"
	"  raqib-agent --rules /etc/raqib/rules test-rules /etc/raqib/rules-tests.yml\n"
	"      check the packs against the administrator's cases; why each decision was taken\n"
	"  sudo raqib-agent --spool-fsync 200 --spool-max-bytes 1073741824 run\n"
	"      a 1 GiB spool synced to disk at most 200 ms after each alert\n"
	"\n"
	"Exit status: 0 on success, 1 on an error (bad capture, Redis unreachable, missing\n"
	"privileges), 2 on a usage error.\n";

/* Long-only options of the outbox and heartbeats. */
enum {
	OPT_SPOOL_DIR = 1000,
	OPT_SPOOL_MAX_BYTES,
	OPT_SPOOL_FSYNC,
	OPT_KEYS,
	OPT_HEARTBEAT,
	OPT_SITE,
	OPT_INSECURE_NO_ACL,
	OPT_NO_BUILTIN,
};

static int parse_outbox_option(struct agent *agent, int c, const char *arg)
{
	enum spool_fsync policy;
	unsigned interval_ms;
	uint64_t v;

	switch (c) {
	case OPT_SPOOL_DIR:
		agent->spool_dir = arg;
		return 0;
	case OPT_KEYS:
		agent->keys_dir = arg;
		return 0;
	case OPT_SITE:
		if (!raqib_site_is_valid(arg, strlen(arg))) {
			log_error(
				"agent",
				"invalid --site '%.32s': use 1 to 32 letters, digits, '.', '-' or '_'",
				arg);
			return -EINVAL;
		}
		agent->site = arg;
		return 0;
	case OPT_INSECURE_NO_ACL:
		agent->insecure_no_acl = true;
		return 0;
	case OPT_SPOOL_FSYNC:
		if (outbox_parse_fsync(arg, &policy, &interval_ms)) {
			log_error(
				"agent",
				"invalid --spool-fsync '%s': expected always, never or milliseconds",
				arg);
			return -EINVAL;
		}
		agent->spool_fsync = arg;
		return 0;
	case OPT_SPOOL_MAX_BYTES:
		/* room for at least one alert of the largest size the collector takes */
		if (agent_parse_u64(arg, &v) || v < 2u * SPOOL_RECORD_MAX_BYTES) {
			log_error("agent", "invalid --spool-max-bytes '%s': expected bytes >= %u",
				  arg, 2u * SPOOL_RECORD_MAX_BYTES);
			return -EINVAL;
		}
		agent->spool_max_bytes = v;
		return 0;
	default:
		if (agent_parse_u64(arg, &v) || v > 3600) {
			log_error("agent",
				  "invalid --heartbeat-interval '%s': expected 1 to 3600 seconds",
				  arg);
			return -EINVAL;
		}
		agent->heartbeat_ms = (unsigned)v * 1000;
		return 0;
	}
}

void agent_usage(FILE *out)
{
	fputs(usage_text, out);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static int install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN); /* a dropped Redis connection is an error return, not a death */
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

static const struct {
	const char *name;
	int (*run)(struct agent *agent, int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },	{ "replay", cmd_replay },	  { "scan", cmd_scan },
	{ "check", cmd_check }, { "test-rules", cmd_test_rules },
};

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "redis", required_argument, NULL, 'r' },
		{ "agent-id", required_argument, NULL, 'A' },
		{ "rules", required_argument, NULL, 'R' },
		{ "no-builtin-rules", no_argument, NULL, OPT_NO_BUILTIN },
		{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },
		{ "spool-max-bytes", required_argument, NULL, OPT_SPOOL_MAX_BYTES },
		{ "spool-fsync", required_argument, NULL, OPT_SPOOL_FSYNC },
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ "heartbeat-interval", required_argument, NULL, OPT_HEARTBEAT },
		{ "site", required_argument, NULL, OPT_SITE },
		{ "insecure-no-acl", no_argument, NULL, OPT_INSECURE_NO_ACL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent agent = { .stop = &stop_requested, .reload = &reload_requested };
	enum raqib_log_level level = RAQIB_LOG_INFO;
	const char *redis = NULL, *agent_id = NULL, *source;
	int c, ret;

	log_init("raqib-agent", level);
	extract_limits_default(&agent.limits);
	/* "+": stop at the command; what follows it is the command's */
	while ((c = getopt_long(argc, argv, "+r:vqhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'r':
			redis = optarg;
			break;
		case 'A':
			agent_id = optarg;
			break;
		case 'R':
			agent.rules_path = optarg;
			break;
		case OPT_NO_BUILTIN:
			agent.no_builtin_rules = true;
			break;
		case OPT_SPOOL_DIR:
		case OPT_SPOOL_MAX_BYTES:
		case OPT_SPOOL_FSYNC:
		case OPT_KEYS:
		case OPT_HEARTBEAT:
		case OPT_SITE:
		case OPT_INSECURE_NO_ACL:
			if (parse_outbox_option(&agent, c, optarg))
				return AGENT_EXIT_USAGE;
			break;
		case 'v':
			if (level < RAQIB_LOG_TRACE)
				level++;
			break;
		case 'q':
			level = RAQIB_LOG_ERROR;
			break;
		case 'h':
			agent_usage(stdout);
			return AGENT_EXIT_OK;
		case 'V':
			printf("raqib-agent %s\n", RAQIB_VERSION);
			return AGENT_EXIT_OK;
		default:
			fputs("Try 'raqib-agent --help' for more information.\n", stderr);
			return AGENT_EXIT_USAGE;
		}
	}
	log_set_level(level);
	if (!agent.rules_path) {
		const char *env = getenv("RAQIB_RULES"); /* NOLINT(concurrency-mt-unsafe) */

		agent.rules_path = env && *env ? env : NULL;
	}
	if (!agent.insecure_no_acl) {
		const char *env =
			getenv("RAQIB_INSECURE_NO_ACL"); /* NOLINT(concurrency-mt-unsafe) */

		agent.insecure_no_acl = env && strcmp(env, "1") == 0;
	}
	if (!agent.site) {
		const char *env = getenv("RAQIB_SITE"); /* NOLINT(concurrency-mt-unsafe) */

		if (env && *env && !raqib_site_is_valid(env, strlen(env))) {
			log_error("agent", "invalid RAQIB_SITE '%.32s'", env);
			return AGENT_EXIT_USAGE;
		}
		agent.site = env && *env ? env : RAQIB_SITE_DEFAULT;
	}
	if (optind >= argc) {
		log_error("agent", "no command given (run, replay, scan, check, test-rules)");
		fputs("Try 'raqib-agent --help' for more information.\n", stderr);
		return AGENT_EXIT_USAGE;
	}
	if (raqib_redis_addr_select(redis, &agent.redis, &source)) {
		log_error("agent", "invalid redis address from %s: expected HOST:PORT", source);
		return AGENT_EXIT_USAGE;
	}
	if (gethostname(agent.host_name, sizeof(agent.host_name) - 1))
		snprintf(agent.host_name, sizeof(agent.host_name), "localhost");
	if (agent_id)
		snprintf(agent.agent_id, sizeof(agent.agent_id), "%s", agent_id);
	else
		default_agent_id(agent.host_name, agent.agent_id, sizeof(agent.agent_id));
	if (install_signals()) {
		log_error("agent", "cannot install signal handlers: %s", strerror(errno));
		return AGENT_EXIT_ERROR;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			ret = commands[i].run(&agent, argc - optind, argv + optind);
			agent_release(&agent);
			return ret;
		}
	}
	log_error("agent", "unknown command '%s' (run, replay, scan, check, test-rules)",
		  argv[optind]);
	return AGENT_EXIT_USAGE;
}
