/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * raqibctl's shared state and command table: raqibctl.c parses the global options and
 * dispatches; each command group lives in a file of its own (ctl_investigate.c: alerts,
 * find; ctl_cases.c: incidents, timelines, provenance; ctl_admin.c: agents, enrolment, investigators, dead
 * letters; ctl_desk.c: the desk's tokens, the audit log, case reports). Another group adds a file and one line in raqibctl.c's table.
 */
#ifndef RAQIB_COLLECTOR_CTL_H
#define RAQIB_COLLECTOR_CTL_H

#include <stdbool.h>
#include <stdio.h>

#include "raqib/redis_conn.h"

#define CTL_EXIT_OK    0
#define CTL_EXIT_ERROR 1
#define CTL_EXIT_USAGE 2

struct store;

struct ctl {
	struct raqib_redis_addr redis;
	const char *keys_dir; /* --keys, NULL: $RAQIB_KEYS, else /etc/raqib/keys */
	struct store *store; /* connected on first use (ctl_store()) */
};

/* The store, connected on first use; NULL after logging why. */
struct store *ctl_store(struct ctl *ctl);

/* A command: argv[0] is its name; options follow. Returns an exit status. */
typedef int (*ctl_command_fn)(struct ctl *ctl, int argc, char **argv);

int ctl_alerts(struct ctl *ctl, int argc, char **argv);
int ctl_alert(struct ctl *ctl, int argc, char **argv);
int ctl_incidents(struct ctl *ctl, int argc, char **argv);
int ctl_incident(struct ctl *ctl, int argc, char **argv);
int ctl_incident_set(struct ctl *ctl, int argc, char **argv);
int ctl_timeline(struct ctl *ctl, int argc, char **argv);
int ctl_provenance(struct ctl *ctl, int argc, char **argv);
int ctl_find(struct ctl *ctl, int argc, char **argv);
int ctl_agents(struct ctl *ctl, int argc, char **argv);
int ctl_agent_add(struct ctl *ctl, int argc, char **argv);
int ctl_investigator_add(struct ctl *ctl, int argc, char **argv);
int ctl_dead_letters(struct ctl *ctl, int argc, char **argv);
int ctl_token_add(struct ctl *ctl, int argc, char **argv);
int ctl_token_list(struct ctl *ctl, int argc, char **argv);
int ctl_token_revoke(struct ctl *ctl, int argc, char **argv);
int ctl_audit(struct ctl *ctl, int argc, char **argv);
int ctl_export(struct ctl *ctl, int argc, char **argv);

/*
 * Writes to the audit log that who (ctl_who()) did action ("read", "export") on an incident,
 * after checking it exists. 0, -ENOENT, -EINVAL (bad id) or -EIO. Nothing is shown of an
 * incident whose read could not be audited.
 */
int ctl_audit_incident(struct ctl *ctl, const char *action, const char *incident);

struct store_item;

/* An item of a list as a JSON line: the alert as stored, or a coverage gap. Returns 0. */
int ctl_print_item_json(const struct store_item *it);

/* "--limit N": 1 to 100000. 0 or -EINVAL (logged). */
int ctl_parse_limit(const char *text, size_t *out);

/* The current time, epoch milliseconds. */
long long ctl_now_ms(void);

/* Who runs raqibctl, for the audit log ($RAQIB_AS, else $USER, else the uid). */
const char *ctl_who(void);

#endif /* RAQIB_COLLECTOR_CTL_H */
