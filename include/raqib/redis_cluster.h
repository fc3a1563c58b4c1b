/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One handle on Redis, a single server or a Redis Cluster, chosen at connection time: every
 * command names the key it touches, and goes to the node that owns that key's slot. Written
 * once here for the collector, raqibctl and the benchmarks.
 *
 * On a cluster the slot map comes from CLUSTER SHARDS (Redis 7); a MOVED reply refreshes it and
 * sends the command again where it now belongs, an ASK reply (a slot being migrated) sends it
 * once to the node named, after ASKING (Redis Cluster specification, "Redirection and
 * resharding"). A node that stops answering (failover) refreshes the map from any node that
 * still answers. Connections authenticate as the given ACL user when not NULL.
 *
 * Not thread-safe: one handle per thread.
 */
#ifndef RAQIB_REDIS_CLUSTER_H
#define RAQIB_REDIS_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "raqib/redis_conn.h"

struct raqib_redis;

/* One command of a pipeline: the key that routes it (NULL: any node) and its arguments. */
struct raqib_redis_cmd {
	const char *key;
	size_t key_len; /* 0: strlen(key) */
	int argc;
	const char **argv;
	const size_t *lens; /* NULL: strlen() of each */
};

/*
 * Connects to seed, authenticates, and finds out whether it is a cluster node (then maps the
 * slots). Returns NULL with a reason in err and errno EACCES (AUTH refused) or EIO.
 */
struct raqib_redis *raqib_redis_open(const struct raqib_redis_addr *seed, const char *user,
				     const char *password, int timeout_ms, char *err,
				     size_t err_len);
void raqib_redis_close(struct raqib_redis *r);

/* True on a Redis Cluster. */
bool raqib_redis_is_cluster(const struct raqib_redis *r);

/*
 * Runs one command where its key lives, following redirections. Returns the reply (the caller
 * frees it; it may be an error reply) or NULL when no node answered, with the reason in
 * raqib_redis_error().
 */
redisReply *raqib_redis_command(struct raqib_redis *r, const char *key, int argc, const char **argv,
				const size_t *lens);

/*
 * Pipelines n commands (grouped by node, sent together, replies read in order), following
 * redirections one by one. Fills replies[i] (freed by the caller; NULL where no node answered).
 * Returns 0 when every command got a reply, or -EIO.
 */
int raqib_redis_pipeline(struct raqib_redis *r, size_t n, const struct raqib_redis_cmd *cmds,
			 redisReply **replies);

/*
 * Calls fn for every master node (SCAN on each, say) with its own connection. Returns 0, fn's
 * negative return, or -EIO.
 */
typedef int (*raqib_redis_node_fn)(void *ctx, redisContext *node);
int raqib_redis_for_each_master(struct raqib_redis *r, raqib_redis_node_fn fn, void *ctx);

/* The last failure, for messages. */
const char *raqib_redis_error(const struct raqib_redis *r);

#endif /* RAQIB_REDIS_CLUSTER_H */
