// SPDX-License-Identifier: GPL-2.0-only
/*
 * Set-up shared by the commands of raqib-agent (see agent.h): the outbox and heartbeats, the
 * rules, and the final counters.
 */
#include "agent.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "rules_follow.h"
#include "raqib/schema.h"
#include "outbox/heartbeat.h"
#include "outbox/outbox.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

#define REDIS_TIMEOUT_MS 3000
#define SPOOL_MAX_BYTES_DEFAULT (256u << 20)
#define SPOOL_SEGMENT_BYTES	(4u << 20)
#define HEARTBEAT_MS_DEFAULT	5000

static int64_t epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Per-rule counters in heartbeats: the largest first, at most this many. */
#define HEARTBEAT_RULE_COUNTERS 48

struct rule_counter {
	char key[HEARTBEAT_KEY_MAX];
	uint64_t value;
};

struct rule_counters {
	struct rule_counter c[HEARTBEAT_RULE_COUNTERS];
	size_t n;
	uint64_t left_out;
};

/* Keeps the HEARTBEAT_RULE_COUNTERS largest counters (rules_counter_fn). */
static void keep_counter(void *ctx, const char *counter, const char *rule_id, uint64_t value)
{
	struct rule_counters *rc = ctx;
	size_t at = rc->n;

	if (rc->n == HEARTBEAT_RULE_COUNTERS) {
		at = 0;
		for (size_t i = 1; i < rc->n; i++)
			if (rc->c[i].value < rc->c[at].value)
				at = i;
		if (rc->c[at].value >= value) {
			rc->left_out++;
			return;
		}
		rc->left_out++;
	} else {
		rc->n++;
	}
	snprintf(rc->c[at].key, sizeof(rc->c[at].key), "rules.%s.%s", counter, rule_id);
	rc->c[at].value = value;
}

/*
 * What each rule did since the agent started (rules_counters()): "rules.alerts.<id>" of live
 * policies, "rules.allowed.<id>" of live exceptions, "rules.shadow.<id>" of rules in shadow
 * mode (what they would have done); the expired exceptions.
 */
static void rules_heartbeat(const struct rules *rules, struct heartbeat_fields *f)
{
	struct rule_counters *rc = calloc(1, sizeof(*rc));
	struct rules_summary s;

	rules_summarize(rules, &s);
	heartbeat_set_u64(f, "rules.expired_exceptions", s.expired);
	if (!rc)
		return;
	rules_counters(rules, keep_counter, rc);
	for (size_t i = 0; i < rc->n; i++)
		heartbeat_set_u64(f, rc->c[i].key, rc->c[i].value);
	if (rc->left_out)
		heartbeat_set_u64(f, "rules.counters_left_out", rc->left_out);
	free(rc);
}

/* The agent's own heartbeat fields (heartbeat_provider_fn). */
static void agent_heartbeat(void *ctx, struct heartbeat_fields *f)
{
	const struct agent *agent = ctx;

	heartbeat_set(f, "agent.id", "%s", agent->agent_id);
	heartbeat_set(f, "host.name", "%s", agent->host_name);
	heartbeat_set(f, "site", "%s", agent->site ? agent->site : "");
	heartbeat_set(f, "version", "%s", RAQIB_VERSION);
	heartbeat_set(f, "mode", "%s", agent->mode ? agent->mode : "-");
	heartbeat_set(f, "pid", "%d", (int)getpid());
	heartbeat_set(f, "started", "%lld", (long long)agent->started_ms);
	heartbeat_set(f, "ts", "%lld", (long long)epoch_ms());
	heartbeat_set(f, "interval_ms", "%u", agent->heartbeat_ms);
	heartbeat_set(f, "status", "running");
	heartbeat_set(f, "rules_hash", "%s", agent->rules ? rules_hash(agent->rules) : "");
	if (agent->rules)
		rules_heartbeat(agent->rules, f);
	if (agent->follow) {
		char refused[200];

		if (agent->pushed.version)
			heartbeat_set(f, RAQIB_HB_RULES_VERSION, "%" PRIu64, agent->pushed.version);
		else
			heartbeat_set(f, RAQIB_HB_RULES_VERSION, "none");
		rules_follow_refused(agent->follow, refused, sizeof(refused));
		if (refused[0])
			heartbeat_set(f, RAQIB_HB_RULES_REFUSED, "%s", refused);
	}
}

int agent_open_outbox(struct agent *agent)
{
	struct outbox_config cfg = {
		.redis = &agent->redis,
		.agent_id = agent->agent_id,
		.host_name = agent->host_name,
		.keys_dir = agent->keys_dir,
		.spool = {
			.dir = agent->spool_dir,
			.max_bytes = agent->spool_max_bytes ? agent->spool_max_bytes
							    : SPOOL_MAX_BYTES_DEFAULT,
			.segment_bytes = SPOOL_SEGMENT_BYTES,
		},
		.timeout_ms = REDIS_TIMEOUT_MS,
		.require_redis = agent->require_redis,
		.site = agent->site,
		.insecure_no_acl = agent->insecure_no_acl,
	};
	char err[512];

	if (!agent->heartbeat_ms)
		agent->heartbeat_ms = HEARTBEAT_MS_DEFAULT;
	if (!agent->started_ms)
		agent->started_ms = epoch_ms();
	if (agent->spool_fsync && outbox_parse_fsync(agent->spool_fsync, &cfg.spool.fsync,
						     &cfg.spool.fsync_interval_ms)) {
		log_error("agent",
			  "invalid --spool-fsync '%s': expected always, never or milliseconds",
			  agent->spool_fsync);
		return -EINVAL;
	}
	agent->outbox = outbox_new(&cfg, err, sizeof(err));
	if (!agent->outbox) {
		log_error("agent", "%s", err);
		return -EIO;
	}
	agent->sink = outbox_sink;
	agent->sink_ctx = agent->outbox;
	agent->heartbeat = heartbeat_new();
	if (!agent->heartbeat || heartbeat_add_provider(agent->heartbeat, agent_heartbeat, agent) ||
	    heartbeat_add_provider(agent->heartbeat, outbox_heartbeat, agent->outbox)) {
		log_error("agent", "cannot start heartbeats: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int on_heartbeat(void *ctx, uint64_t now_ms)
{
	(void)now_ms;
	agent_send_heartbeat(ctx, "running");
	return 0;
}

int agent_add_heartbeat_timer(struct agent *agent, struct loop *loop)
{
	return loop_add_timer(loop, agent->heartbeat_ms, on_heartbeat, agent);
}

void agent_send_heartbeat(struct agent *agent, const char *status)
{
	struct heartbeat_fields *f;

	if (!agent->outbox || !agent->heartbeat)
		return;
	f = malloc(sizeof(*f));
	if (!f) {
		log_warn("agent", "cannot collect a heartbeat: out of memory");
		return;
	}
	heartbeat_collect(agent->heartbeat, f);
	heartbeat_set(f, "status", "%s", status);
	outbox_set_heartbeat(agent->outbox, f);
	free(f);
}

int agent_flush_outbox(struct agent *agent, unsigned timeout_ms)
{
	struct outbox_stats st;

	if (!agent->outbox || outbox_flush(agent->outbox, timeout_ms) == 0)
		return 0;
	outbox_get_stats(agent->outbox, &st);
	if (st.spool.pending)
		log_warn(
			"outbox",
			"%llu alerts not delivered yet: kept in the spool, sent by the next run of this agent",
			(unsigned long long)st.spool.pending);
	else
		log_warn("outbox", "redis did not answer: the last heartbeat was not written");
	return -ETIMEDOUT;
}

static void log_rules_error(const struct rules_error *rerr)
{
	if (rerr->line)
		log_error("rules", "%s:%u:%u: %s", rerr->file, rerr->line, rerr->column,
			  rerr->text);
	else if (rerr->file[0])
		log_error("rules", "%s: %s", rerr->file, rerr->text);
	else
		log_error("rules", "cannot build the rules: %s", rerr->text);
}

struct rules_packs *agent_rules_packs(const struct agent *agent,
				      const struct raqib_rules_bundle *pushed,
				      struct rules_error *rerr)
{
	struct rules_packs *packs = rules_packs_new();
	char name[64];
	int rc = packs ? 0 : -ENOMEM;

	memset(rerr, 0, sizeof(*rerr));
	if (!rc && (!agent->no_builtin_rules || !agent->rules_path)) {
		rc = rules_packs_layer(packs, "built-in");
		if (!rc)
			rc = rules_packs_add_builtin(packs);
	}
	if (!rc && agent->rules_path) {
		rc = rules_packs_layer(packs, agent->rules_path);
		if (!rc)
			rc = rules_packs_add_path(packs, agent->rules_path, rerr);
	}
	if (!rc && pushed && pushed->n_packs) {
		snprintf(name, sizeof(name), "pushed version %" PRIu64, pushed->version);
		rc = rules_packs_layer(packs, name);
		for (size_t i = 0; !rc && i < pushed->n_packs; i++)
			rc = rules_packs_add_text(packs, pushed->packs[i].name,
						  pushed->packs[i].text, pushed->packs[i].len);
	}
	if (rc) {
		if (!rerr->text[0])
			snprintf(rerr->text, sizeof(rerr->text), "%s", strerror(-rc));
		rules_packs_free(packs);
		return NULL;
	}
	return packs;
}

struct rules *agent_build_rules(void *ctx, const struct raqib_rules_bundle *pushed, char *err,
				size_t err_len)
{
	struct rules_packs *packs = agent_rules_packs(ctx, pushed, &(struct rules_error){ 0 });
	struct rules_error rerr;
	struct rules *rules;

	if (!packs) {
		snprintf(err, err_len, "cannot read the agent's own packs");
		return NULL;
	}
	rules = rules_build(packs, &rerr);
	rules_packs_free(packs);
	if (!rules && rerr.line)
		snprintf(err, err_len, "%s:%u:%u: %s", rerr.file, rerr.line, rerr.column,
			 rerr.text);
	else if (!rules)
		snprintf(err, err_len, "%s%s%s", rerr.file, rerr.file[0] ? ": " : "", rerr.text);
	return rules;
}

int agent_reload_rules(struct agent *agent, struct rules **fresh)
{
	struct rules_error rerr;
	struct rules_packs *packs = agent_rules_packs(agent, &agent->pushed, &rerr);

	*fresh = NULL;
	if (!packs) {
		log_rules_error(&rerr);
		return -EINVAL;
	}
	*fresh = rules_build(packs, &rerr);
	rules_packs_free(packs);
	if (!*fresh) {
		log_rules_error(&rerr);
		return -EINVAL;
	}
	return 0;
}

int agent_load_rules(struct agent *agent)
{
	int err = agent_reload_rules(agent, &agent->rules);

	if (!err)
		log_debug("rules", "loaded rules %.12s", rules_hash(agent->rules));
	if (!err && agent->outbox)
		outbox_set_rules_hash(agent->outbox, rules_hash(agent->rules));
	return err;
}

void agent_log_outbox(const struct agent *agent)
{
	struct outbox_stats os;

	if (!agent->outbox)
		return;
	outbox_get_stats(agent->outbox, &os);
	log_info(
		"outbox",
		"%llu alerts sent, %llu failed (%llu refused: spool full), %llu waiting in the spool",
		(unsigned long long)os.sent, (unsigned long long)os.failed,
		(unsigned long long)(os.refused[OUTBOX_CLASS_LOW] +
				     os.refused[OUTBOX_CLASS_MEDIUM] +
				     os.refused[OUTBOX_CLASS_HIGH] +
				     os.refused[OUTBOX_CLASS_CRITICAL]),
		(unsigned long long)os.spool.pending);
}

void agent_release(struct agent *agent)
{
	outbox_free(agent->outbox);
	agent->outbox = NULL;
	heartbeat_free(agent->heartbeat);
	agent->heartbeat = NULL;
	rules_free(agent->rules);
	agent->rules = NULL;
	raqib_rules_bundle_release(&agent->pushed);
}

bool agent_is_limit_option(int opt)
{
	return opt >= AGENT_OPT_MAX_FILE_BYTES && opt <= AGENT_OPT_MAX_FILE_MS;
}

int agent_parse_limit(struct agent *agent, int opt, const char *arg)
{
	static const struct {
		const char *name;
		uint64_t max; /* largest value accepted */
		const char *expected;
	} spec[] = {
		[AGENT_OPT_MAX_FILE_BYTES - AGENT_OPT_MAX_FILE_BYTES] = { "max-file-bytes",
									  UINT64_MAX / 2,
									  "bytes > 0" },
		[AGENT_OPT_MAX_EXPANDED_BYTES - AGENT_OPT_MAX_FILE_BYTES] = { "max-expanded-bytes",
									      UINT64_MAX / 2,
									      "bytes > 0" },
		[AGENT_OPT_MAX_RATIO - AGENT_OPT_MAX_FILE_BYTES] = { "max-ratio", 1000000,
								     "a ratio from 1 to 1000000" },
		[AGENT_OPT_MAX_DEPTH - AGENT_OPT_MAX_FILE_BYTES] = { "max-depth", 64,
								     "a depth from 1 to 64" },
		[AGENT_OPT_MAX_FILE_MS - AGENT_OPT_MAX_FILE_BYTES] = { "max-file-ms", 86400000,
								       "milliseconds > 0" },
	};
	const unsigned i = (unsigned)(opt - AGENT_OPT_MAX_FILE_BYTES);
	struct extract_limits *l = &agent->limits;
	uint64_t v;

	if (agent_parse_u64(arg, &v) || v > spec[i].max) {
		log_error("agent", "invalid --%s '%s': expected %s", spec[i].name, arg,
			  spec[i].expected);
		return -EINVAL;
	}
	switch (opt) {
	case AGENT_OPT_MAX_FILE_BYTES:
		l->max_read_bytes = v;
		agent->max_file_bytes_set = true;
		break;
	case AGENT_OPT_MAX_EXPANDED_BYTES:
		l->max_expanded_bytes = v;
		break;
	case AGENT_OPT_MAX_RATIO:
		l->max_ratio = (double)v;
		break;
	case AGENT_OPT_MAX_DEPTH:
		l->max_depth = (unsigned)v;
		break;
	default:
		l->max_ms = (unsigned)v;
		break;
	}
	return 0;
}

int agent_parse_u64(const char *text, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}
