// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqibctl: the command line for analysts, investigators and administrators (see ctl.h for
 * where each command lives, docs/man/raqibctl.1 for what it does).
 */
#include "ctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "raqib/log.h"
#include "ctl_rules.h"
#include "store.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

#define REDIS_TIMEOUT_MS 3000

static const char usage_text[] =
	"Usage: raqibctl [OPTIONS] COMMAND [COMMAND OPTIONS] [ARGS]\n"
	"\n"
	"Reads and tends what the raqib collector stored in Redis. Everything printed from alerts is\n"
	"stripped of terminal control characters. Every read of an incident is audited.\n"
	"\n"
	"Investigation:\n"
	"  alerts               the newest alerts (--site, --host, --user, --app, --min-severity,\n"
	"                       --limit N, --cursor C, --json)\n"
	"  alert REF            one stored alert as JSON (REF: SITE:AGENT:EPOCH:SEQ)\n"
	"  incidents [list]     incidents, most recently changed first (--limit, --cursor,\n"
	"                       --format table|json|csv, --json, --csv)\n"
	"  incidents show ID    one incident: its fields, notes, alerts and coverage gaps (audited)\n"
	"  incidents state ID STATE   new, triage, confirmed, false_positive or closed\n"
	"  incidents assign ID NAME   '' to unassign\n"
	"  incidents note ID TEXT     a note; '-' reads it from standard input\n"
	"  incident ID, incident-set ID --state S --assign NAME --note TEXT   the same, older forms\n"
	"  timeline             alerts and coverage gaps in order, of one of --host AGENT-ID,\n"
	"                       --user AGENT-ID/UID, --app NAME, --incident ID, --document SHA256;\n"
	"                       --site S, --since T, --until T (RFC 3339, a date, or a duration back\n"
	"                       from now: 24h), --min-severity, --limit, --cursor, --format\n"
	"                       table|json|csv, --json, --csv\n"
	"  provenance SHA256|FILE   every host, user and app that opened, sent or holds a document,\n"
	"                       and its edited copies when it is a registered document; a FILE is\n"
	"                       hashed here; provenance fingerprint:RULE-ID: one registered\n"
	"                       document (--limit, --cursor, --format, --json, --csv)\n"
	"  find                 the alerts about one value (a CIN, phone, RIB...): the value is\n"
	"                       read from standard input or a prompt, never from the command line,\n"
	"                       and searched by the collector (--collector URL, --token-file FILE)\n"
	"  export ID            the case report of an incident: one self-contained HTML file with\n"
	"                       its story, provenance, notes and audit trail (-o, --output FILE;\n"
	"                       --lang ar|fr|en; --pdf FILE prints it to PDF with chromium)\n"
	"\n"
	"Administration:\n"
	"  agents               every agent: status, last heartbeat, spool, missing alerts\n"
	"  agent-add ID         make the key of a new agent and print the Redis commands that\n"
	"                       enrol it (--site SITE): its ACL user, its registry entry\n"
	"  investigator-add NAME  make an investigator's token for find (printed once)\n"
	"  token-add NAME --role ROLE   a token for the desk (printed once); ROLE is viewer,\n"
	"                       analyst, investigator or administrator\n"
	"  token-list, token-revoke NAME   who may use the desk; take a token back\n"
	"  audit [list]         the audit log, newest first (--incident ID, --limit, --json)\n"
	"  audit verify         check the audit log's hash chain (--anchor FILE: also check that\n"
	"                       the log was not cut or rewritten since the last verification, kept\n"
	"                       in FILE; --json)\n"
	"  dead-letters         refused entries and why (--limit, --json); dead-letters replay\n"
	"                       [--reason CODE] sends them through the collector again\n"
	"  rules ...            rule versions pushed to the agents (below)\n"
	"\n"
	"Options (before the command):\n"
	"  -r, --redis HOST:PORT   Redis the collector stores into (default: $RAQIB_REDIS, else\n"
	"                          127.0.0.1:6379); any node of a cluster\n"
	"      --keys DIR          agent-add, investigator-add, token-*, rules: the keys directory\n"
	"                          (default: $RAQIB_KEYS, else /etc/raqib/keys)\n"
	"      --json              rules list: one JSON document per line (the other commands\n"
	"                          take --json after their name)\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Environment: RAQIB_AS names who runs raqibctl in the audit log (default: $USER).\n"
	"\n"
	"%s"
	"\n"
	"Examples:\n"
	"  raqibctl incidents\n"
	"  raqibctl incidents show s:rabat:12\n"
	"  raqibctl incidents state s:rabat:12 confirmed\n"
	"  raqibctl incidents assign s:rabat:12 amina\n"
	"  raqibctl timeline --host ws-042 --since 7d --csv > ws-042.csv\n"
	"  raqibctl timeline --incident s:rabat:12 --json | jq .rule.id\n"
	"  raqibctl provenance ~/Bureau/lettre-confidentielle.pdf\n"
	"  raqibctl find --collector http://collector:9477 --token-file ~/.raqib-token\n"
	"  raqibctl export s:rabat:12 --lang fr -o dossier-12.html --pdf dossier-12.pdf\n"
	"  raqibctl token-add amina --role analyst\n"
	"  raqibctl audit verify --anchor /var/lib/raqib/audit.anchor\n"
	"  raqibctl --redis 10.0.0.5:6379 alerts --limit 100 --json | jq -r '.file.path'\n"
	"  raqibctl agent-add ws-042 --site rabat | redis-cli --user admin --askpass\n"
	"  raqibctl dead-letters replay --reason no-key\n"
	"  raqibctl rules push /etc/raqib/rules --comment 'allow the ministry mail'\n"
	"  raqibctl rules push ./tangier-rules --site tangier\n"
	"  raqibctl rules diff 7 /etc/raqib/rules\n"
	"      what a push of the directory would change from version 7\n"
	"  raqibctl rules list\n"
	"  raqibctl rules rollback\n"
	"\n"
	"Exit status: 0 on success, 1 on an error (Redis or the collector unreachable, keys\n"
	"unusable, the audit log's chain broken), 2 on a usage error.\n";

static const struct {
	const char *name;
	ctl_command_fn fn;
} commands[] = {
	{ "alerts", ctl_alerts },
	{ "alert", ctl_alert },
	{ "incidents", ctl_incidents },
	{ "incident", ctl_incident },
	{ "incident-set", ctl_incident_set },
	{ "timeline", ctl_timeline },
	{ "provenance", ctl_provenance },
	{ "find", ctl_find },
	{ "agents", ctl_agents },
	{ "agent-add", ctl_agent_add },
	{ "investigator-add", ctl_investigator_add },
	{ "dead-letters", ctl_dead_letters },
	{ "token-add", ctl_token_add },
	{ "token-list", ctl_token_list },
	{ "token-revoke", ctl_token_revoke },
	{ "audit", ctl_audit },
	{ "export", ctl_export },
};

struct store *ctl_store(struct ctl *ctl)
{
	char err[512];

	if (!ctl->store) {
		ctl->store = store_connect(&ctl->redis, REDIS_TIMEOUT_MS, err, sizeof(err));
		if (!ctl->store)
			log_error("ctl", "%s", err);
	}
	return ctl->store;
}

int ctl_parse_limit(const char *text, size_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > 100000) {
		log_error("ctl", "invalid --limit '%s': expected 1 to 100000", text);
		return -EINVAL;
	}
	*out = (size_t)v;
	return 0;
}

long long ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *ctl_who(void)
{
	static char uid[32];
	/* NOLINTBEGIN(concurrency-mt-unsafe): single-threaded */
	const char *as = getenv("RAQIB_AS"), *user = getenv("USER");
	/* NOLINTEND(concurrency-mt-unsafe) */

	if (as && *as)
		return as;
	if (user && *user)
		return user;
	snprintf(uid, sizeof(uid), "uid-%u", (unsigned)getuid());
	return uid;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "redis", required_argument, NULL, 'r' },
		{ "keys", required_argument, NULL, 'K' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { 0 };
	const char *redis = NULL, *source;
	bool json = false;
	int opt, ret;

	log_init("raqibctl", RAQIB_LOG_INFO);
	/* "+": stop at the command; what follows is the command's */
	while ((opt = getopt_long(argc, argv, "+r:hV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			redis = optarg;
			break;
		case 'K':
			ctl.keys_dir = optarg;
			break;
		case 'J':
			json = true;
			break;
		case 'h':
			printf(usage_text, ctl_rules_usage);
			return 0;
		case 'V':
			printf("raqibctl %s\n", RAQIB_VERSION);
			return 0;
		default:
			fputs("Try 'raqibctl --help' for more information.\n", stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		log_error("ctl", "no command given (see raqibctl --help)");
		fputs("Try 'raqibctl --help' for more information.\n", stderr);
		return CTL_EXIT_USAGE;
	}
	if (raqib_redis_addr_select(redis, &ctl.redis, &source)) {
		log_error("ctl", "invalid redis address from %s: expected HOST:PORT", source);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "rules") == 0) {
		struct ctl_globals g = { .redis = ctl.redis, .keys_dir = ctl.keys_dir, .json = json };

		return ctl_rules(argc - optind, argv + optind, &g);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		ret = commands[i].fn(&ctl, argc - optind, argv + optind);
		store_free(ctl.store);
		return ret;
	}
	log_error("ctl", "unknown command '%s' (see raqibctl --help)", argv[optind]);
	return CTL_EXIT_USAGE;
}
