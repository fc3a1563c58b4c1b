// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Redis endpoint of every raqib binary (see include/raqib/redis_conn.h): where it comes
 * from (--redis, $RAQIB_REDIS, default) and a connection that fails fast and says why.
 */
#include "raqib/redis_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "raqib/schema.h"

static int parse_port(const char *text, int *port)
{
	char *end;
	long v;

	if (*text == '\0')
		return -EINVAL;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end != '\0' || v < 1 || v > 65535)
		return -EINVAL;
	*port = (int)v;
	return 0;
}

static int copy_host(char *dst, size_t dst_len, const char *src, size_t len)
{
	if (len == 0 || len >= dst_len)
		return -EINVAL;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int raqib_redis_addr_parse(const char *text, struct raqib_redis_addr *out)
{
	const char *colon;

	if (!text || !*text)
		return -EINVAL;
	out->port = 6379;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || copy_host(out->host, sizeof(out->host), text + 1, close - text - 1))
			return -EINVAL;
		if (close[1] == '\0')
			return 0;
		if (close[1] != ':')
			return -EINVAL;
		return parse_port(close + 2, &out->port);
	}
	colon = strrchr(text, ':');
	if (!colon)
		return copy_host(out->host, sizeof(out->host), text, strlen(text));
	if (strchr(text, ':') != colon)
		return -EINVAL; /* a bare IPv6 address must be written in brackets */
	if (colon == text)
		snprintf(out->host, sizeof(out->host), "127.0.0.1");
	else if (copy_host(out->host, sizeof(out->host), text, colon - text))
		return -EINVAL;
	return parse_port(colon + 1, &out->port);
}

int raqib_redis_addr_select(const char *cli_value, struct raqib_redis_addr *out,
			    const char **source)
{
	const char *env = getenv(RAQIB_REDIS_ENV); /* NOLINT(concurrency-mt-unsafe): before threads */

	if (cli_value) {
		*source = "--redis";
		return raqib_redis_addr_parse(cli_value, out);
	}
	if (env && *env) {
		*source = RAQIB_REDIS_ENV;
		return raqib_redis_addr_parse(env, out);
	}
	*source = "default";
	return raqib_redis_addr_parse(RAQIB_REDIS_DEFAULT, out);
}

struct redisContext *raqib_redis_connect(const struct raqib_redis_addr *addr, int timeout_ms,
					 char *err, size_t err_len)
{
	return raqib_redis_connect_as(addr, NULL, NULL, timeout_ms, err, err_len);
}

/* AUTH user password. Returns 0, or -EACCES with the reason in err. */
static int authenticate(redisContext *c, const struct raqib_redis_addr *addr, const char *user,
			const char *password, char *err, size_t err_len)
{
	const char *argv[] = { "AUTH", user, password };
	size_t lens[] = { 4, strlen(user), strlen(password) };
	redisReply *reply = redisCommandArgv(c, 3, argv, lens);
	int ret = 0;

	if (!reply) {
		snprintf(err, err_len, "redis at %s:%d does not answer: %s", addr->host, addr->port,
			 c->errstr[0] ? c->errstr : "connection lost");
		return -EACCES;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(err, err_len, "redis at %s:%d refused AUTH as '%s': %.200s", addr->host,
			 addr->port, user, reply->str);
		ret = -EACCES;
	}
	freeReplyObject(reply);
	return ret;
}

struct redisContext *raqib_redis_connect_as(const struct raqib_redis_addr *addr, const char *user,
					    const char *password, int timeout_ms, char *err,
					    size_t err_len)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	int failure = EIO; /* errno on failure: EACCES when AUTH was refused */
	redisContext *c;
	redisReply *reply;

	c = redisConnectWithTimeout(addr->host, addr->port, tv);
	if (!c) {
		snprintf(err, err_len, "cannot connect to redis at %s:%d: out of memory", addr->host,
			 addr->port);
		errno = ENOMEM;
		return NULL;
	}
	if (c->err) {
		snprintf(err, err_len, "cannot connect to redis at %s:%d: %s", addr->host, addr->port,
			 c->errstr);
		goto err_free;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		snprintf(err, err_len, "cannot set a timeout on the redis connection to %s:%d",
			 addr->host, addr->port);
		goto err_free;
	}
	if (user && password && authenticate(c, addr, user, password, err, err_len)) {
		failure = EACCES;
		goto err_free;
	}
	reply = redisCommand(c, "PING");
	if (!reply) {
		snprintf(err, err_len, "redis at %s:%d does not answer: %s", addr->host, addr->port,
			 c->errstr[0] ? c->errstr : "connection lost");
		goto err_free;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(err, err_len, "redis at %s:%d refused PING: %.200s", addr->host,
			 addr->port, reply->str);
		freeReplyObject(reply);
		goto err_free;
	}
	freeReplyObject(reply);
	return c;

err_free:
	redisFree(c);
	errno = failure;
	return NULL;
}
