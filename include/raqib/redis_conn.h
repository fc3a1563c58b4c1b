/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Redis endpoint every raqib binary talks to: parsing "HOST:PORT" from --redis or the
 * RAQIB_REDIS environment variable, and connecting with a bounded timeout so that an
 * unreachable server gives one clear error instead of a hang.
 */
#ifndef RAQIB_REDIS_CONN_H
#define RAQIB_REDIS_CONN_H

#include <stddef.h>

struct redisContext;

struct raqib_redis_addr {
	char host[256];
	int port;
};

/*
 * Parses "HOST:PORT", "[V6ADDR]:PORT", "HOST" (port 6379) or ":PORT" (host 127.0.0.1).
 * Returns 0, or -EINVAL for an empty host, a bad or out-of-range port, or a host too long.
 */
int raqib_redis_addr_parse(const char *text, struct raqib_redis_addr *out);

/*
 * Picks the endpoint: the command-line value when not NULL, else $RAQIB_REDIS when set and not
 * empty, else 127.0.0.1:6379. Returns 0 or -EINVAL; *source tells which was used ("--redis",
 * "RAQIB_REDIS" or "default") for error messages.
 */
int raqib_redis_addr_select(const char *cli_value, struct raqib_redis_addr *out,
			    const char **source);

/*
 * Connects with a timeout (connect and each command) of timeout_ms and checks the server
 * answers PING. Returns a context the caller frees with redisFree(), or NULL with a reason
 * written to err ("cannot connect to redis at 127.0.0.1:6379: Connection refused").
 */
struct redisContext *raqib_redis_connect(const struct raqib_redis_addr *addr, int timeout_ms,
					 char *err, size_t err_len);

/*
 * The same, authenticating first (AUTH user password, Redis 6 ACLs) when user and password
 * are not NULL. A refused AUTH gives "redis at HOST:PORT refused AUTH as 'USER': WRONGPASS..."
 * and errno EACCES; other failures set errno EIO (ENOMEM).
 */
struct redisContext *raqib_redis_connect_as(const struct raqib_redis_addr *addr, const char *user,
					    const char *password, int timeout_ms, char *err,
					    size_t err_len);

/* Environment variables naming the ACL user and password of the collector and raqibctl. */
#define RAQIB_REDIS_USER_ENV	 "RAQIB_REDIS_USER"
#define RAQIB_REDIS_PASSWORD_ENV "RAQIB_REDIS_PASSWORD"

#endif /* RAQIB_REDIS_CONN_H */
