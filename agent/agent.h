/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What main() builds for every command of raqib-agent and passes down: the parsed global
 * options, the rules, the outbox. Each command (cmd_*.c) parses its own options and builds the
 * sensors and pipeline stages it needs on top.
 */
#ifndef RAQIB_AGENT_AGENT_H
#define RAQIB_AGENT_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "raqib/log.h"
#include "raqib/redis_conn.h"
#include "raqib/rules.h"
#include "raqib/rules_dist.h"
#include "extract/extract.h"
#include "outbox/alert.h"

struct outbox;
struct heartbeat;
struct loop;
struct rules_follow;

#define AGENT_EXIT_OK 0
#define AGENT_EXIT_ERROR 1
#define AGENT_EXIT_USAGE 2
/* scan follows grep: 0 found, 1 nothing found, 2 an error of any kind */
#define AGENT_EXIT_USAGE_GREP 2

struct agent {
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM */
	volatile sig_atomic_t *reload; /* set by SIGHUP: load the rules again */
	struct raqib_redis_addr redis;
	char host_name[256];
	char agent_id[65];
	const char *rules_path; /* --rules or $RAQIB_RULES: packs layered on the built-in ones */
	bool no_builtin_rules; /* --no-builtin-rules: rules_path alone */
	struct rules *rules;
	/* The version pushed through Redis the rules were built with (version 0: none), layered
	 * on the others; and the thread that follows versions (run; NULL otherwise). */
	struct raqib_rules_bundle pushed;
	struct rules_follow *follow;
	/* Where the pipeline hands alerts: the outbox, or (run --notify-socket) the awareness
	 * notice's sink in front of it. Set by agent_open_outbox(). */
	alert_sink_fn sink;
	void *sink_ctx;
	struct outbox *outbox;
	/* Extraction limits of files and uploaded objects (AGENT_LIMIT_OPTIONS of run, replay, scan) */
	struct extract_limits limits;
	bool max_file_bytes_set; /* --max-file-bytes given: it also bounds network objects */

	/* The outbox and heartbeats (global options; docs/outbox.md). */
	const char *spool_dir; /* --spool-dir or $RAQIB_SPOOL: spools live in DIR/<agent-id> */
	const char *keys_dir; /* --keys or $RAQIB_KEYS */
	uint64_t spool_max_bytes; /* --spool-max-bytes */
	const char *spool_fsync; /* --spool-fsync: "always", "never" or milliseconds */
	unsigned heartbeat_ms; /* --heartbeat-interval */
	const char *site; /* --site or $RAQIB_SITE, else "default" */
	bool insecure_no_acl; /* --insecure-no-acl: development only, send as the default user */
	bool require_redis; /* agent_open_outbox() fails when Redis does not answer now */
	const char *mode; /* the command, for heartbeats */
	int64_t started_ms; /* epoch milliseconds */
	struct heartbeat *heartbeat; /* providers: the agent, the outbox, then the command's */
};

/*
 * Opens the outbox (its spool resumes what an earlier run left) and the heartbeat providers of
 * the agent and the outbox. With agent->require_redis, fails when Redis does not answer;
 * otherwise alerts wait in the spool. Logs the reason and returns -EIO on failure.
 */
int agent_open_outbox(struct agent *agent);

/* Runs a heartbeat every agent->heartbeat_ms on loop. Returns 0 or -ENOMEM. */
int agent_add_heartbeat_timer(struct agent *agent, struct loop *loop);

/* Collects a heartbeat now with status ("running", "stopped") and hands it to the outbox. */
void agent_send_heartbeat(struct agent *agent, const char *status);

/*
 * Waits up to timeout_ms for the outbox to deliver the spool and the last heartbeat; logs what
 * is left otherwise. Returns 0 or -ETIMEDOUT.
 */
int agent_flush_outbox(struct agent *agent, unsigned timeout_ms);

/*
 * The layers of the agent's rules, as struct rules_packs: the built-in packs (unless
 * --no-builtin-rules), then agent->rules_path, then the packs of pushed (NULL or a bundle of
 * no packs: none). NULL with the reason in err on failure.
 */
struct rules_packs *agent_rules_packs(const struct agent *agent,
				      const struct raqib_rules_bundle *pushed,
				      struct rules_error *err);

/* Builds the agent's rules with pushed on top (rules_follow_build_fn; any thread). */
struct rules *agent_build_rules(void *agent, const struct raqib_rules_bundle *pushed, char *err,
				size_t err_len);

/* Loads the rules (the layers of agent_rules_packs()); logs the file, line, column and reason
 * and returns -EINVAL on failure. */
int agent_load_rules(struct agent *agent);

/*
 * Loads the rules again into *fresh (same source as agent_load_rules). On failure logs the file,
 * line, column and reason and returns -EINVAL; the agent keeps its rules.
 */
int agent_reload_rules(struct agent *agent, struct rules **fresh);

/* Logs the outbox's counters. */
void agent_log_outbox(const struct agent *agent);

/* Frees what the agent holds. */
void agent_release(struct agent *agent);

/* Prints raqib-agent's usage (all commands and options). */
void agent_usage(FILE *out);

/* Option helpers: 0, or -EINVAL for anything but a positive decimal number. */
int agent_parse_u64(const char *text, uint64_t *out);

/*
 * The extraction limit options, shared by run, replay and scan: put AGENT_LIMIT_OPTIONS in the
 * command's getopt table and hand its codes to agent_parse_limit(). AGENT_LIMIT_USAGE is their
 * --help text.
 */
enum {
	AGENT_OPT_MAX_FILE_BYTES = 0x4d00,
	AGENT_OPT_MAX_EXPANDED_BYTES,
	AGENT_OPT_MAX_RATIO,
	AGENT_OPT_MAX_DEPTH,
	AGENT_OPT_MAX_FILE_MS,
};

#define AGENT_LIMIT_OPTIONS                                                                 \
	{ "max-file-bytes", required_argument, NULL, AGENT_OPT_MAX_FILE_BYTES },             \
	{ "max-expanded-bytes", required_argument, NULL, AGENT_OPT_MAX_EXPANDED_BYTES },     \
	{ "max-ratio", required_argument, NULL, AGENT_OPT_MAX_RATIO },                       \
	{ "max-depth", required_argument, NULL, AGENT_OPT_MAX_DEPTH },                       \
	{ "max-file-ms", required_argument, NULL, AGENT_OPT_MAX_FILE_MS }

/* True when opt is one of AGENT_LIMIT_OPTIONS. */
bool agent_is_limit_option(int opt);

/*
 * Sets the limit of opt from arg into agent->limits. Logs what is wrong and returns -EINVAL on
 * a bad value.
 */
int agent_parse_limit(struct agent *agent, int opt, const char *arg);

/* Commands: parse their own options from argv (argv[0] is the command), return an exit status. */
int cmd_run(struct agent *agent, int argc, char **argv);
int cmd_replay(struct agent *agent, int argc, char **argv);
int cmd_scan(struct agent *agent, int argc, char **argv);
int cmd_check(struct agent *agent, int argc, char **argv);
int cmd_test_rules(struct agent *agent, int argc, char **argv);

#endif /* RAQIB_AGENT_AGENT_H */
