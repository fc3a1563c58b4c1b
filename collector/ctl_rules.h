/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * raqibctl rules: the administrator's side of rule distribution (keygen, push, list, show,
 * diff, rollback). See ctl_rules.c and docs/man/raqibctl.1.
 */
#ifndef RAQIB_COLLECTOR_CTL_RULES_H
#define RAQIB_COLLECTOR_CTL_RULES_H

#include <stdbool.h>

#include "raqib/redis_conn.h"

/* What raqibctl's global options say. */
struct ctl_globals {
	struct raqib_redis_addr redis;
	const char *keys_dir; /* --keys, or NULL */
	bool json; /* --json */
};

/* Usage of the rules commands, for raqibctl --help. */
extern const char ctl_rules_usage[];

/*
 * Runs "rules SUBCOMMAND [OPTIONS] [ARGS]" (argv[0] is "rules"). Returns raqibctl's exit
 * status: 0, 1 on an error, 2 on a usage error.
 */
int ctl_rules(int argc, char **argv, const struct ctl_globals *g);

#endif /* RAQIB_COLLECTOR_CTL_RULES_H */
