// SPDX-License-Identifier: GPL-2.0-only
/*
 * Set-up shared by the commands of raqib-agent (see agent.h): the outbox, the rules, and the
 * final counters.
 */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>

#include "outbox/outbox.h"

#define REDIS_TIMEOUT_MS 3000

int agent_open_outbox(struct agent *agent)
{
	char err[512];

	agent->outbox = outbox_new(&agent->redis, agent->agent_id, agent->host_name,
				   REDIS_TIMEOUT_MS, err, sizeof(err));
	if (!agent->outbox) {
		log_error("agent", "%s", err);
		return -EIO;
	}
	return 0;
}

int agent_reload_rules(struct agent *agent, struct rules **fresh)
{
	struct rules_error rerr;

	*fresh = agent->rules_path ? rules_load(agent->rules_path, &rerr)
				   : rules_new_builtin(&rerr);
	if (!*fresh) {
		if (rerr.line)
			log_error("rules", "%s:%u:%u: %s", rerr.file, rerr.line, rerr.column,
				  rerr.text);
		else if (rerr.file[0])
			log_error("rules", "%s: %s", rerr.file, rerr.text);
		else
			log_error("rules", "cannot build the rules: %s", rerr.text);
		return -EINVAL;
	}
	return 0;
}

int agent_load_rules(struct agent *agent)
{
	int err = agent_reload_rules(agent, &agent->rules);

	if (!err)
		log_debug("rules", "loaded rules %.12s", rules_hash(agent->rules));
	return err;
}

void agent_log_outbox(const struct agent *agent)
{
	struct outbox_stats os;

	if (!agent->outbox)
		return;
	outbox_get_stats(agent->outbox, &os);
	log_info("outbox", "%llu alerts sent, %llu failed", (unsigned long long)os.sent,
		 (unsigned long long)os.failed);
}

void agent_release(struct agent *agent)
{
	outbox_free(agent->outbox);
	agent->outbox = NULL;
	rules_free(agent->rules);
	agent->rules = NULL;
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
