// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-agent check [PATH]: validates and compiles rule packs as the agent would load them (the
 * packs at PATH, or --rules, or the built-in ones), and says either what they hold or, for a
 * refused pack, the file, line, column and reason. For administrators before they deploy a pack.
 */
#include "agent.h"

#include <getopt.h>
#include <stdio.h>

int cmd_check(struct agent *agent, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rules_summary s;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (c == 'h') {
			agent_usage(stdout);
			return AGENT_EXIT_OK;
		}
		return AGENT_EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		log_error("check", "wrong arguments for 'check': raqib-agent check [PATH]");
		return AGENT_EXIT_USAGE;
	}
	if (optind < argc)
		agent->rules_path = argv[optind];
	if (agent_load_rules(agent))
		return AGENT_EXIT_ERROR;
	rules_summarize(agent->rules, &s);
	printf("%s: ok, %zu detectors, %zu markers, %zu apps, %zu fingerprints, %zu policies, %zu exceptions (%zu disabled, %zu in shadow mode), %zu patterns, hash %s\n",
	       agent->rules_path ? agent->rules_path : "built-in packs", s.detectors, s.markers,
	       s.apps, s.fingerprints, s.policies, s.exceptions, s.disabled, s.shadow, s.patterns,
	       rules_hash(agent->rules));
	return AGENT_EXIT_OK;
}
