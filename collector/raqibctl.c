// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqibctl: the command line for analysts, investigators and administrators. Commands:
 *
 *   alerts [--limit N] [--json]   the most recent stored alerts, as a table or JSON lines
 *   agents [--json]               every agent: heartbeat, spool, sequence gaps
 *   agent-add ID [--keys DIR]     a new agent: its key, and the Redis ACL lines for it
 *   find VALUE [--keys DIR]       the stored alerts about one value, by its keyed hash
 *
 * See docs/man/raqibctl.1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "raqib/keys.h"
#include "raqib/log.h"
#include "raqib/redis_conn.h"
#include "agent_acl.h"
#include "agent_view.h"
#include "alert_view.h"
#include "ctl_rules.h"
#include "store.h"
#include "value_search.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

#define EXIT_USAGE 2
#define REDIS_TIMEOUT_MS 3000

static const char usage_text[] =
	"Usage: raqibctl [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Reads what the raqib collector stored in Redis.\n"
	"\n"
	"Commands:\n"
	"  alerts               list the most recent alerts, newest first\n"
	"  agents               list the agents: status, last heartbeat, spool, missing alerts\n"
	"  agent-add ID         make the key of a new agent (in the keys directory) and print\n"
	"                       the Redis ACL command that lets it send alerts and nothing else\n"
	"  find VALUE           the alerts about one value (a CIN, phone, RIB, IBAN...) typed in\n"
	"                       any usual form: its hash with the deployment key (keys\n"
	"                       directory) is looked for among the stored alerts' findings\n"
	"  rules ...            rule versions pushed to the agents (below)\n"
	"\n"
	"Options:\n"
	"  -r, --redis HOST:PORT   Redis the collector stores into (default: $RAQIB_REDIS, else\n"
	"                          127.0.0.1:6379)\n"
	"  -n, --limit N           alerts: show at most N alerts (default: 20); find: look\n"
	"                          through the N most recent (default: 100000)\n"
	"      --json              alerts, agents, find, rules list: one JSON document per line\n"
	"      --keys DIR          agent-add, find, rules: the keys directory (default: $RAQIB_KEYS,\n"
	"                          else /etc/raqib/keys)\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"%s"
	"\n"
	"Examples:\n"
	"  raqibctl alerts\n"
	"  raqibctl --redis 10.0.0.5:6379 alerts --limit 100\n"
	"  raqibctl alerts --json | jq -r '.file.path'\n"
	"  raqibctl agents\n"
	"  raqibctl find 'BK 734021'\n"
	"  raqibctl agent-add ws-042 | redis-cli --user admin --askpass\n"
	"      create /etc/raqib/keys/ws-042.key and the ACL user raqib-agent-ws-042\n"
	"  raqibctl rules push /etc/raqib/rules --comment 'allow the ministry mail'\n"
	"  raqibctl rules push ./tangier-rules --site tangier\n"
	"  raqibctl rules diff 7 /etc/raqib/rules\n"
	"      what a push of the directory would change from version 7\n"
	"  raqibctl rules list\n"
	"  raqibctl rules rollback\n"
	"\n"
	"Exit status: 0 on success, 1 on an error (Redis unreachable, keys directory unusable),\n"
	"2 on a usage error.\n";

struct list_ctx {
	bool json;
	bool header_done;
};

static int print_alert(void *ctx, const char *json, size_t len)
{
	struct list_ctx *l = ctx;
	struct alert_row row;

	if (l->json) {
		fwrite(json, 1, len, stdout);
		fputc('\n', stdout);
		return 0;
	}
	if (alert_view_row(json, len, &row))
		return 0;
	if (!l->header_done) {
		alert_view_print_header(stdout);
		l->header_done = true;
	}
	alert_view_print_row(stdout, &row);
	return 0;
}

static int parse_limit(const char *text, size_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > 100000)
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static int64_t epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int print_agent(void *ctx, const char *id, const struct stream_field *hb, size_t n_hb,
		       const struct stream_field *seq, size_t n_seq)
{
	struct list_ctx *l = ctx;
	struct agent_row row;
	json_t *doc;

	if (l->json) {
		doc = agent_view_json(id, hb, n_hb, seq, n_seq, epoch_ms());
		if (!doc || json_dumpf(doc, stdout, JSON_COMPACT | JSON_SORT_KEYS)) {
			json_decref(doc);
			return -ENOMEM;
		}
		fputc('\n', stdout);
		json_decref(doc);
		return 0;
	}
	if (!l->header_done) {
		agent_view_print_header(stdout);
		l->header_done = true;
	}
	agent_view_row(id, hb, n_hb, seq, n_seq, epoch_ms(), &row);
	agent_view_print_row(stdout, &row);
	return 0;
}

/*
 * agent-add: the agent's key (made unless it exists), the deployment key (likewise), and the
 * ACL command on stdout, so that it can be piped into redis-cli; what to do next on stderr.
 */
static int agent_add(const char *id, const char *keys_dir)
{
	const char *dir = raqib_keys_dir(keys_dir);
	char path[4096], dpath[4096], err[512], password[RAQIB_MAC_HEX_BYTES], line[1024];
	struct raqib_key key, dkey;
	bool created, dcreated;
	int ret = 1;

	if (!raqib_agent_id_is_valid(id, strlen(id))) {
		log_error("ctl",
			  "invalid agent id '%.64s': use 1 to 64 letters, digits, '.', '-' or '_'",
			  id);
		return EXIT_USAGE;
	}
	if (raqib_agent_key_path(dir, id, path, sizeof(path)) ||
	    raqib_deployment_key_path(dir, dpath, sizeof(dpath))) {
		log_error("ctl", "keys directory '%s': name too long", dir);
		return 1;
	}
	if (raqib_key_load_or_create(path, &key, &created, err, sizeof(err)) ||
	    raqib_key_load_or_create(dpath, &dkey, &dcreated, err, sizeof(err))) {
		log_error("ctl", "%s", err);
		raqib_key_wipe(&key);
		return 1;
	}
	raqib_key_wipe(&dkey);
	if (raqib_redis_password(&key, password) ||
	    agent_acl_setuser(id, password, line, sizeof(line))) {
		log_error("ctl", "cannot make the ACL command of agent '%s'", id);
		goto out;
	}
	printf("%s\n", line);
	fprintf(stderr,
		"raqibctl: agent '%s': key %s %s; deployment key %s %s.\n"
		"raqibctl: copy both to the agent's keys directory (mode 0600, owner root), run the\n"
		"raqibctl: ACL command above as a Redis administrator, and start the agent with\n"
		"raqibctl: --agent-id %s. See docs/deployment.md.\n",
		id, path, created ? "created" : "exists", dpath, dcreated ? "created" : "exists",
		id);
	ret = 0;
out:
	explicit_bzero(password, sizeof(password));
	explicit_bzero(line, sizeof(line));
	raqib_key_wipe(&key);
	return ret;
}

#define FIND_MAX_HASHES 16

struct find_ctx {
	struct list_ctx list;
	const struct value_hash *hashes;
	size_t n_hashes;
	size_t found;
};

static int print_if_match(void *ctx, const char *json, size_t len)
{
	struct find_ctx *f = ctx;

	if (!value_search_alert_matches(json, len, f->hashes, f->n_hashes))
		return 0;
	f->found++;
	return print_alert(&f->list, json, len);
}

/*
 * raqibctl find VALUE: the value is personal data. It is never echoed in a message, and what
 * was derived from it is wiped.
 */
static int find_value(struct store *store, char *value, const char *keys_dir, size_t limit,
		      bool json)
{
	struct find_ctx f = { .list = { .json = json } };
	struct value_hash hashes[FIND_MAX_HASHES];
	struct rules_error rerr;
	struct raqib_key key;
	struct rules *rules;
	char path[4096], err[512];
	int n, ret = 1;

	if (raqib_deployment_key_path(raqib_keys_dir(keys_dir), path, sizeof(path))) {
		log_error("ctl", "keys directory: name too long");
		return 1;
	}
	if (raqib_key_load(path, &key, err, sizeof(err))) {
		log_error("ctl", "%s (find hashes values with the deployment key)", err);
		return 1;
	}
	rules = rules_new_builtin(&rerr);
	if (!rules) {
		log_error("ctl", "cannot build the rules: %s", rerr.text);
		raqib_key_wipe(&key);
		return 1;
	}
	n = value_search_hashes(rules, &key, value, hashes, FIND_MAX_HASHES);
	explicit_bzero(value, strlen(value)); /* argv's copy too (and so /proc/PID/cmdline) */
	raqib_key_wipe(&key);
	rules_free(rules);
	if (n <= 0) {
		log_error("ctl", n < 0 ? "the value is too long" :
				       "the value is not an identifier raqib detects (CIN, phone, RIB, "
				       "IBAN, card, e-mail, CNSS, ICE, MASSAR, passport)");
		return EXIT_USAGE;
	}
	f.hashes = hashes;
	f.n_hashes = (size_t)n;
	if (store_list_recent(store, limit, print_if_match, &f) < 0) {
		log_error("ctl", "cannot read the alerts: %s", store_error(store));
		goto out;
	}
	if (!f.found && !json)
		printf("no stored alert holds this %s\n", hashes[0].type);
	ret = 0;
out:
	explicit_bzero(hashes, sizeof(hashes));
	return ret;
}

/* Where "rules" is, when it is the command (the first word that is not an option or an
 * option's value); 0 otherwise. */
static int rules_command_at(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-r") || !strcmp(a, "--redis") || !strcmp(a, "-n") ||
		    !strcmp(a, "--limit") || !strcmp(a, "--keys")) {
			i++;
			continue;
		}
		if (a[0] == '-')
			continue;
		return strcmp(a, "rules") ? 0 : i;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "redis", required_argument, NULL, 'r' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "keys", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct raqib_redis_addr addr;
	struct list_ctx list = { 0 };
	const char *redis = NULL, *source, *keys_dir = NULL, *cmd;
	size_t limit = 0; /* default per command */
	struct store *store;
	char err[512];
	int opt, n, rules_at;

	log_init("raqibctl", RAQIB_LOG_INFO);
	/* rules takes options of its own: global options are those before it */
	rules_at = rules_command_at(argc, argv);
	while ((opt = getopt_long(rules_at ? rules_at : argc, argv, "r:n:hV", long_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'r':
			redis = optarg;
			break;
		case 'n':
			if (parse_limit(optarg, &limit)) {
				log_error("ctl", "invalid --limit '%s': expected 1 to 100000", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'J':
			list.json = true;
			break;
		case 'K':
			keys_dir = optarg;
			break;
		case 'h':
			printf(usage_text, ctl_rules_usage);
			return 0;
		case 'V':
			printf("raqibctl %s\n", RAQIB_VERSION);
			return 0;
		default:
			fputs("Try 'raqibctl --help' for more information.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (rules_at) {
		struct ctl_globals g = { .keys_dir = keys_dir, .json = list.json };

		if (raqib_redis_addr_select(redis, &g.redis, &source)) {
			log_error("ctl", "invalid redis address from %s: expected HOST:PORT",
				  source);
			return EXIT_USAGE;
		}
		return ctl_rules(argc - rules_at, argv + rules_at, &g);
	}
	if (optind >= argc) {
		log_error("ctl", "no command given (alerts, agents, agent-add, find, rules)");
		fputs("Try 'raqibctl --help' for more information.\n", stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "agent-add") == 0) {
		if (optind + 2 != argc) {
			log_error("ctl", "wrong arguments for 'agent-add': expected one agent id");
			return EXIT_USAGE;
		}
		return agent_add(argv[optind + 1], keys_dir);
	}
	if (strcmp(cmd, "find") == 0 && optind + 2 != argc) {
		log_error("ctl", "wrong arguments for 'find': expected one value (quote it)");
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "find") != 0 &&
	    ((strcmp(cmd, "alerts") != 0 && strcmp(cmd, "agents") != 0) || optind + 1 != argc)) {
		log_error("ctl", "unknown command '%s' (alerts, agents, agent-add, find)", cmd);
		return EXIT_USAGE;
	}
	if (raqib_redis_addr_select(redis, &addr, &source)) {
		log_error("ctl", "invalid redis address from %s: expected HOST:PORT", source);
		return EXIT_USAGE;
	}
	store = store_connect(&addr, REDIS_TIMEOUT_MS, err, sizeof(err));
	if (!store) {
		log_error("ctl", "%s", err);
		return 1;
	}
	if (strcmp(cmd, "find") == 0) {
		n = find_value(store, argv[optind + 1], keys_dir, limit ? limit : 100000, list.json);
		store_free(store);
		return n;
	}
	if (strcmp(cmd, "agents") == 0)
		n = store_list_agents(store, print_agent, &list);
	else
		n = store_list_recent(store, limit ? limit : 20, print_alert, &list);
	if (n < 0) {
		log_error("ctl", "cannot list %s: %s", cmd, store_error(store));
		store_free(store);
		return 1;
	}
	if (n == 0 && !list.json)
		printf("no %s stored\n", cmd);
	store_free(store);
	return 0;
}
