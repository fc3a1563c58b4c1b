// SPDX-License-Identifier: GPL-2.0-only
/*
 * Slot routing over one Redis server or a Redis Cluster (see include/raqib/redis_cluster.h).
 * A single server is a "cluster" of one node that owns every slot, so both take one path.
 */
#include "raqib/redis_cluster.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raqib/keyspace.h"

#define SLOTS	  16384
#define MAX_NODES 64
/* Redirections followed for one command before giving up (a resharding in progress). */
#define MAX_REDIRECTS 8

struct node {
	struct raqib_redis_addr addr;
	redisContext *c; /* NULL until first used, or after a failure */
	bool master;
};

struct raqib_redis {
	bool cluster;
	char user[128];
	char password[128];
	int timeout_ms;
	struct node nodes[MAX_NODES];
	size_t n_nodes;
	uint8_t slot_node[SLOTS]; /* index into nodes */
	char error[512];
};

static void wipe(struct raqib_redis *r)
{
	explicit_bzero(r->password, sizeof(r->password));
}

static redisContext *node_context(struct raqib_redis *r, struct node *n)
{
	if (n->c)
		return n->c;
	n->c = raqib_redis_connect_as(&n->addr, r->user[0] ? r->user : NULL,
				      r->user[0] ? r->password : NULL, r->timeout_ms, r->error,
				      sizeof(r->error));
	return n->c;
}

static void node_drop(struct node *n)
{
	if (n->c)
		redisFree(n->c);
	n->c = NULL;
}

/* The node of addr, added when new. Returns its index, or -ENOSPC. */
static int node_find_or_add(struct raqib_redis *r, const char *host, int port, bool master)
{
	for (size_t i = 0; i < r->n_nodes; i++)
		if (r->nodes[i].addr.port == port && strcmp(r->nodes[i].addr.host, host) == 0) {
			r->nodes[i].master = r->nodes[i].master || master;
			return (int)i;
		}
	if (r->n_nodes == MAX_NODES)
		return -ENOSPC;
	memset(&r->nodes[r->n_nodes], 0, sizeof(r->nodes[0]));
	snprintf(r->nodes[r->n_nodes].addr.host, sizeof(r->nodes[0].addr.host), "%s", host);
	r->nodes[r->n_nodes].addr.port = port;
	r->nodes[r->n_nodes].master = master;
	return (int)r->n_nodes++;
}

/* The value of name in a RESP2 flat map (array of name, value...), or NULL. */
static const redisReply *map_get(const redisReply *map, const char *name)
{
	if (!map || map->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (size_t i = 0; i + 1 < map->elements; i += 2)
		if (map->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(map->element[i]->str, name) == 0)
			return map->element[i + 1];
	return NULL;
}

/* The master of one CLUSTER SHARDS shard: its node index, or negative. */
static int shard_master(struct raqib_redis *r, const redisReply *nodes, const char *seed_host)
{
	for (size_t k = 0; nodes && nodes->type == REDIS_REPLY_ARRAY && k < nodes->elements; k++) {
		const redisReply *n = nodes->element[k];
		const redisReply *role = map_get(n, "role"), *health = map_get(n, "health");
		const redisReply *ip = map_get(n, "endpoint"), *port = map_get(n, "port");
		const char *host;

		if (!role || role->type != REDIS_REPLY_STRING || strcmp(role->str, "master") != 0 ||
		    (health && health->type == REDIS_REPLY_STRING &&
		     strcmp(health->str, "online") != 0) ||
		    !port || port->type != REDIS_REPLY_INTEGER)
			continue;
		if (!ip || ip->type != REDIS_REPLY_STRING || !ip->str[0] ||
		    strcmp(ip->str, "?") == 0)
			ip = map_get(n, "ip");
		/* a node that does not know its own address answers with the seed's */
		host = ip && ip->type == REDIS_REPLY_STRING && ip->str[0] ? ip->str : seed_host;
		return node_find_or_add(r, host, (int)port->integer, true);
	}
	return -ENOENT;
}

/* Reads the slot map from c (CLUSTER SHARDS). 0, -ENOTSUP (not a cluster) or -EIO. */
static int load_slots(struct raqib_redis *r, redisContext *c, const char *seed_host)
{
	redisReply *rep = redisCommand(c, "CLUSTER SHARDS");
	int ret = 0;

	if (!rep) {
		snprintf(r->error, sizeof(r->error), "redis connection lost: %s", c->errstr);
		return -EIO;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		ret = strstr(rep->str, "cluster support disabled") ? -ENOTSUP : -EIO;
		if (ret == -EIO)
			snprintf(r->error, sizeof(r->error), "CLUSTER SHARDS: %.200s", rep->str);
		goto out;
	}
	for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
		const redisReply *slots = map_get(rep->element[i], "slots");
		int m = shard_master(r, map_get(rep->element[i], "nodes"), seed_host);

		if (m < 0 || !slots || slots->type != REDIS_REPLY_ARRAY)
			continue;
		for (size_t k = 0; k + 1 < slots->elements; k += 2) {
			long long from = slots->element[k]->integer,
				  to = slots->element[k + 1]->integer;

			for (long long s = from; s <= to && s < SLOTS && s >= 0; s++)
				r->slot_node[s] = (uint8_t)m;
		}
	}
out:
	freeReplyObject(rep);
	return ret;
}

/* Refreshes the slot map from the first node that answers. */
static int refresh(struct raqib_redis *r)
{
	for (size_t i = 0; i < r->n_nodes; i++) {
		redisContext *c = node_context(r, &r->nodes[i]);

		if (!c)
			continue;
		if (load_slots(r, c, r->nodes[i].addr.host) == 0)
			return 0;
		node_drop(&r->nodes[i]);
	}
	return -EIO;
}

struct raqib_redis *raqib_redis_open(const struct raqib_redis_addr *seed, const char *user,
				     const char *password, int timeout_ms, char *err,
				     size_t err_len)
{
	struct raqib_redis *r = calloc(1, sizeof(*r));
	int rc;

	if (!r) {
		snprintf(err, err_len, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (user && password) {
		snprintf(r->user, sizeof(r->user), "%s", user);
		snprintf(r->password, sizeof(r->password), "%s", password);
	}
	r->timeout_ms = timeout_ms;
	r->nodes[0].addr = *seed;
	r->nodes[0].master = true;
	r->n_nodes = 1;
	if (!node_context(r, &r->nodes[0])) {
		int e = errno;

		snprintf(err, err_len, "%s", r->error);
		wipe(r);
		free(r);
		errno = e;
		return NULL;
	}
	rc = load_slots(r, r->nodes[0].c, seed->host);
	if (rc == -EIO) {
		snprintf(err, err_len, "%s", r->error);
		raqib_redis_close(r);
		errno = EIO;
		return NULL;
	}
	r->cluster = rc == 0;
	return r;
}

void raqib_redis_close(struct raqib_redis *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_nodes; i++)
		node_drop(&r->nodes[i]);
	wipe(r);
	free(r);
}

bool raqib_redis_is_cluster(const struct raqib_redis *r)
{
	return r->cluster;
}

const char *raqib_redis_error(const struct raqib_redis *r)
{
	return r->error;
}

static struct node *node_of(struct raqib_redis *r, const char *key, size_t key_len)
{
	if (!r->cluster || !key)
		return &r->nodes[r->cluster ? r->slot_node[0] : 0];
	return &r->nodes[r->slot_node[raqib_key_slot(key, key_len ? key_len : strlen(key))]];
}

/* "MOVED 3999 127.0.0.1:6381" / "ASK ...": the node named, added when new; or NULL. */
static struct node *redirect_target(struct raqib_redis *r, const char *text, bool *ask)
{
	char host[256];
	unsigned slot;
	int port, i;

	*ask = strncmp(text, "ASK ", 4) == 0;
	if (!*ask && strncmp(text, "MOVED ", 6) != 0)
		return NULL;
	if (sscanf(text + (*ask ? 4 : 6), "%u %255[^:]:%d", &slot, host, &port) != 3 ||
	    slot >= SLOTS)
		return NULL;
	i = node_find_or_add(r, host, port, true);
	if (i < 0)
		return NULL;
	if (!*ask)
		r->slot_node[slot] = (uint8_t)i;
	return &r->nodes[i];
}

static redisReply *run_on(struct raqib_redis *r, struct node *n, bool asking, int argc,
			  const char **argv, const size_t *lens)
{
	redisContext *c = node_context(r, n);
	redisReply *rep;

	if (!c)
		return NULL;
	if (asking) {
		rep = redisCommand(c, "ASKING");
		freeReplyObject(rep);
		if (!rep) {
			node_drop(n);
			return NULL;
		}
	}
	rep = redisCommandArgv(c, argc, argv, lens);
	if (!rep) {
		snprintf(r->error, sizeof(r->error), "redis connection to %s:%d lost: %s",
			 n->addr.host, n->addr.port, c->errstr[0] ? c->errstr : "no reply");
		node_drop(n);
	}
	return rep;
}

/* Runs cmd from node n on: follows MOVED and ASK, refreshes the map when a node is gone. */
static redisReply *run_routed(struct raqib_redis *r, struct node *n, int argc, const char **argv,
			      const size_t *lens, const char *key, size_t key_len)
{
	bool asking = false;

	for (int i = 0; i < MAX_REDIRECTS; i++) {
		redisReply *rep = run_on(r, n, asking, argc, argv, lens);
		struct node *next;
		bool ask;

		if (!rep) {
			/* a failover: the map changes; ask who owns the slot now */
			if (!r->cluster || refresh(r))
				return NULL;
			n = node_of(r, key, key_len);
			asking = false;
			continue;
		}
		if (rep->type != REDIS_REPLY_ERROR)
			return rep;
		next = redirect_target(r, rep->str, &ask);
		if (!next)
			return rep;
		/* CLUSTERDOWN and TRYAGAIN are errors for the caller to retry */
		freeReplyObject(rep);
		n = next;
		asking = ask;
	}
	snprintf(r->error, sizeof(r->error), "too many redirections");
	return NULL;
}

redisReply *raqib_redis_command(struct raqib_redis *r, const char *key, int argc, const char **argv,
				const size_t *lens)
{
	size_t *l = NULL;
	redisReply *rep;

	if (!lens) {
		l = calloc((size_t)argc, sizeof(*l));
		if (!l)
			return NULL;
		for (int i = 0; i < argc; i++)
			l[i] = strlen(argv[i]);
		lens = l;
	}
	rep = run_routed(r, node_of(r, key, 0), argc, argv, lens, key, key ? strlen(key) : 0);
	free(l);
	return rep;
}

static bool is_redirect(const redisReply *rep)
{
	return rep && rep->type == REDIS_REPLY_ERROR &&
	       (strncmp(rep->str, "MOVED ", 6) == 0 || strncmp(rep->str, "ASK ", 4) == 0);
}

int raqib_redis_pipeline(struct raqib_redis *r, size_t n, const struct raqib_redis_cmd *cmds,
			 redisReply **replies)
{
	struct node **at = calloc(n ? n : 1, sizeof(*at));
	size_t *lens = NULL;
	int ret = 0;

	if (!at)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct raqib_redis_cmd *c = &cmds[i];
		redisContext *ctx;
		const size_t *l = c->lens;

		replies[i] = NULL;
		at[i] = node_of(r, c->key, c->key_len);
		ctx = node_context(r, at[i]);
		if (!l) {
			size_t *tmp = reallocarray(lens, (size_t)c->argc, sizeof(*lens));

			if (!tmp) {
				ret = -ENOMEM;
				goto out;
			}
			lens = tmp;
			for (int k = 0; k < c->argc; k++)
				lens[k] = strlen(c->argv[k]);
			l = lens;
		}
		if (!ctx || redisAppendCommandArgv(ctx, c->argc, c->argv, l) != REDIS_OK)
			at[i] = NULL; /* run alone below */
	}
	for (size_t i = 0; i < n; i++) {
		void *rep = NULL;

		if (!at[i] || !at[i]->c)
			continue;
		if (redisGetReply(at[i]->c, &rep) != REDIS_OK) {
			snprintf(r->error, sizeof(r->error), "redis connection to %s:%d lost: %s",
				 at[i]->addr.host, at[i]->addr.port, at[i]->c->errstr);
			node_drop(at[i]);
			continue;
		}
		replies[i] = rep;
	}
	/* what failed or was redirected, one by one (rare: a failover, a resharding) */
	for (size_t i = 0; i < n; i++) {
		const struct raqib_redis_cmd *c = &cmds[i];

		if (replies[i] && !is_redirect(replies[i]))
			continue;
		freeReplyObject(replies[i]);
		replies[i] = raqib_redis_command(r, c->key, c->argc, c->argv, c->lens);
		if (!replies[i])
			ret = -EIO;
	}
out:
	free(lens);
	free(at);
	return ret;
}

int raqib_redis_for_each_master(struct raqib_redis *r, raqib_redis_node_fn fn, void *ctx)
{
	bool seen[MAX_NODES] = { false };

	if (!r->cluster) {
		redisContext *c = node_context(r, &r->nodes[0]);

		return c ? fn(ctx, c) : -EIO;
	}
	for (size_t s = 0; s < SLOTS; s++) {
		struct node *n = &r->nodes[r->slot_node[s]];
		redisContext *c;
		int rc;

		if (seen[r->slot_node[s]])
			continue;
		seen[r->slot_node[s]] = true;
		c = node_context(r, n);
		if (!c)
			return -EIO;
		rc = fn(ctx, c);
		if (rc)
			return rc;
	}
	return 0;
}
