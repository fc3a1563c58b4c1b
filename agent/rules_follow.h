/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's side of rule distribution (include/raqib/rules_dist.h): a thread that learns of
 * new versions in Redis by pub/sub (RAQIB_CHANNEL_RULES), with polling as a fallback, picks the
 * newest version meant for this agent, verifies its signature with the administrator's public
 * key, and builds the rules (the agent's own layers with the version's packs on top) off the
 * event loop. The event loop is told through a file descriptor and swaps the rules in between
 * two events (rules_follow_take()): the old rules inspect everything until the new ones are
 * ready. A version that does not verify or does not compile is refused and said in the
 * heartbeat; the rules in use stay.
 */
#ifndef RAQIB_AGENT_RULES_FOLLOW_H
#define RAQIB_AGENT_RULES_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raqib/redis_conn.h"
#include "raqib/rules.h"
#include "raqib/rules_dist.h"

/* Builds the rules of the agent with the packs of bundle on top (NULL: none). Called from the
 * follower's thread. NULL with the reason in err on failure. */
typedef struct rules *(*rules_follow_build_fn)(void *ctx, const struct raqib_rules_bundle *bundle,
					       char *err, size_t err_len);

struct rules_follow_config {
	struct raqib_redis_addr redis;
	const char *agent_id;
	const char *host_name;
	const char *site; /* NULL: the agent names no site */
	const char *keys_dir; /* the agent key (its Redis ACL password) */
	const char *verify_key_path; /* the administrator's public key */
	unsigned poll_ms; /* how often Redis is asked when no announcement arrives */
	uint64_t current_version; /* the version the agent starts with (0: none) */
	rules_follow_build_fn build;
	void *build_ctx;
	/* development only: the default user (--insecure-no-acl); else its ACL user or nothing */
	bool insecure_no_acl;
};

struct rules_follow;

/*
 * Loads the public key and starts the thread. NULL with the reason in err when the key cannot be
 * read or the thread cannot start.
 */
struct rules_follow *rules_follow_start(const struct rules_follow_config *config, char *err,
					size_t err_len);

/* Readable when new rules are ready to be taken (register it with the event loop). */
int rules_follow_fd(const struct rules_follow *follow);

/*
 * Takes the rules that are ready, if any: returns them (the caller owns them) and moves the
 * version they came from into *bundle (zeroed when they are the agent's own rules without a
 * pushed version), with its JSON as signed into *json (the caller frees it; NULL without a
 * version) and its signature into sig. NULL when nothing is ready.
 */
struct rules *rules_follow_take(struct rules_follow *follow, struct raqib_rules_bundle *bundle,
				char **json, char sig[RAQIB_RULES_SIG_HEX_BYTES]);

/*
 * Reads a version kept on disk by rules_follow_save() (path.json and path.sig) into *bundle
 * when its signature verifies with the key at key_path and it is meant for this agent.
 * Returns 0, -ENOENT when there is none, or another -errno with the reason in err.
 */
int rules_follow_load_saved(const char *path, const char *key_path, const char *site,
			    const char *agent_id, const char *host_name,
			    struct raqib_rules_bundle *bundle, char *err, size_t err_len);

/* Keeps the version in use on disk (json NULL: none any more), so that a restart without
 * Redis runs it. Returns 0 or -errno. */
int rules_follow_save(const char *path, const char *json, const char *sig);

/* The last version refused and why ("7: signature does not verify..."), or "" when none. */
void rules_follow_refused(struct rules_follow *follow, char *out, size_t out_len);

/* Stops the thread and frees everything, rules not taken included. Accepts NULL. */
void rules_follow_stop(struct rules_follow *follow);

#endif /* RAQIB_AGENT_RULES_FOLLOW_H */
