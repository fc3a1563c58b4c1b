// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-agent check [--effective] [--rule ID] [PATH]: validates and compiles rule packs as the
 * agent would load them (the built-in packs with the packs at PATH or --rules on top), and says
 * either what they hold or, for a refused pack, the file, line, column and reason. With
 * --effective, prints the effective rule set with the file and line each field came from. For
 * administrators before they deploy a pack.
 */
#include "agent.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <time.h>

/* Warns about each exception past its expiry date: it no longer applies. */
static void warn_expired(void *ctx, const char *rule_id, const char *date)
{
	(void)ctx;
	log_warn("check", "exception '%s' expired on %s: it no longer applies", rule_id, date);
}

static int print_effective(struct agent *agent, const char *rule_id)
{
	struct rules_error rerr;
	struct rules_packs *packs = agent_rules_packs(agent, NULL, &rerr);
	int rc;

	if (!packs) {
		log_error("check", "%s: %s", rerr.file, rerr.text);
		return AGENT_EXIT_ERROR;
	}
	rc = rules_packs_print(packs, rule_id, stdout, &rerr);
	rules_packs_free(packs);
	if (rc == -ENOENT) {
		log_error("check", "no rule has the id '%s'", rule_id);
		return AGENT_EXIT_ERROR;
	}
	return rc ? AGENT_EXIT_ERROR : AGENT_EXIT_OK;
}

int cmd_check(struct agent *agent, int argc, char **argv)
{
	static const struct option options[] = {
		{ "effective", no_argument, NULL, 'e' },
		{ "rule", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rule_id = NULL;
	bool effective = false;
	struct rules_summary s;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case 'e':
			effective = true;
			break;
		case 'r':
			rule_id = optarg;
			effective = true;
			break;
		case 'h':
			agent_usage(stdout);
			return AGENT_EXIT_OK;
		default:
			return AGENT_EXIT_USAGE;
		}
	}
	if (optind + 1 < argc) {
		log_error(
			"check",
			"wrong arguments for 'check': raqib-agent check [--effective] [--rule ID] [PATH]");
		return AGENT_EXIT_USAGE;
	}
	if (optind < argc)
		agent->rules_path = argv[optind];
	/* compiled first: an effective set is printed only for packs the agent would run */
	if (agent_load_rules(agent))
		return AGENT_EXIT_ERROR;
	rules_summarize(agent->rules, &s);
	rules_expired(agent->rules, time(NULL), warn_expired, NULL);
	if (effective)
		return print_effective(agent, rule_id);
	printf("%s: ok, %zu detectors, %zu markers, %zu apps, %zu fingerprints, %zu policies, %zu exceptions (%zu disabled, %zu in shadow mode, %zu expired), %zu patterns, hash %s\n",
	       agent->rules_path ? agent->rules_path : "built-in packs", s.detectors, s.markers,
	       s.apps, s.fingerprints, s.policies, s.exceptions, s.disabled, s.shadow, s.expired,
	       s.patterns, rules_hash(agent->rules));
	return AGENT_EXIT_OK;
}
