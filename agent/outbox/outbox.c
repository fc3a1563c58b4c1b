// SPDX-License-Identifier: GPL-2.0-only
/*
 * Outbox: the last stage of the agent. Each alert gets the next sequence number of this agent
 * and a random event id, is rendered by the alert builder, and is XADDed to raqib:events with
 * the agent id and sequence as separate fields so the collector can deduplicate without parsing.
 */
#include "outbox.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "raqib/log.h"
#include "raqib/redis_conn.h"
#include "raqib/schema.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

struct outbox {
	redisContext *redis;
	char agent_id[65];
	char host_name[256];
	uint64_t sequence; /* last sequence number used */
	struct outbox_stats stats;
};

/*
 * Sequence numbers must never repeat for an agent, across restarts too, or the collector's
 * deduplication would drop new alerts. Until the durable spool keeps the counter, start from
 * the wall clock in microseconds: later runs always start above earlier ones.
 */
static uint64_t first_sequence(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool is_valid_agent_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

struct outbox *outbox_new(const struct raqib_redis_addr *addr, const char *agent_id,
			  const char *host_name, int timeout_ms, char *err, size_t err_len)
{
	struct outbox *outbox;

	if (!is_valid_agent_id(agent_id)) {
		snprintf(err, err_len,
			 "invalid agent id '%.64s': use 1 to 64 letters, digits, '.', '-' or '_'",
			 agent_id);
		return NULL;
	}
	outbox = calloc(1, sizeof(*outbox));
	if (!outbox) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	snprintf(outbox->agent_id, sizeof(outbox->agent_id), "%s", agent_id);
	snprintf(outbox->host_name, sizeof(outbox->host_name), "%s", host_name);
	outbox->sequence = first_sequence();
	outbox->redis = raqib_redis_connect(addr, timeout_ms, err, err_len);
	if (!outbox->redis) {
		free(outbox);
		return NULL;
	}
	return outbox;
}

void outbox_free(struct outbox *outbox)
{
	if (!outbox)
		return;
	if (outbox->redis)
		redisFree(outbox->redis);
	free(outbox);
}

/* A random (version 4) UUID. */
static void make_event_id(char *out, size_t out_len)
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* getrandom() cannot fail once the pool is initialised; keep ids unique anyway. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(b, &ts, sizeof(ts) < sizeof(b) ? sizeof(ts) : sizeof(b));
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, out_len,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

static int xadd(struct outbox *outbox, uint64_t seq, const char *json)
{
	char seq_text[24];
	const char *argv[9];
	size_t argvlen[9];
	redisReply *reply;
	int err = 0;

	snprintf(seq_text, sizeof(seq_text), "%" PRIu64, seq);
	argv[0] = "XADD";
	argv[1] = RAQIB_STREAM_EVENTS;
	argv[2] = "*";
	argv[3] = RAQIB_FIELD_AGENT;
	argv[4] = outbox->agent_id;
	argv[5] = RAQIB_FIELD_SEQ;
	argv[6] = seq_text;
	argv[7] = RAQIB_FIELD_ALERT;
	argv[8] = json;
	for (int i = 0; i < 9; i++)
		argvlen[i] = strlen(argv[i]);
	reply = redisCommandArgv(outbox->redis, 9, argv, argvlen);
	if (!reply) {
		log_error("outbox", "cannot send alert %" PRIu64 " to redis: %s", seq,
			  outbox->redis->errstr);
		return -EIO;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		log_error("outbox", "redis refused alert %" PRIu64 ": %.200s", seq, reply->str);
		err = -EIO;
	}
	freeReplyObject(reply);
	return err;
}

int outbox_send(struct outbox *outbox, const struct alert *alert)
{
	char event_id[40];
	struct alert_identity id = {
		.agent_id = outbox->agent_id,
		.agent_version = RAQIB_VERSION,
		.host_name = outbox->host_name,
		.event_id = event_id,
	};
	json_t *doc;
	char *json;
	int err;

	make_event_id(event_id, sizeof(event_id));
	id.sequence = ++outbox->sequence;
	doc = alert_to_json(alert, &id);
	json = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	json_decref(doc);
	if (!json) {
		outbox->stats.failed++;
		log_error("outbox", "cannot build alert %" PRIu64 ": out of memory", id.sequence);
		return -ENOMEM;
	}
	err = xadd(outbox, id.sequence, json);
	free(json);
	if (err) {
		outbox->stats.failed++;
		return err;
	}
	outbox->stats.sent++;
	outbox->stats.last_sequence = id.sequence;
	return 0;
}

int outbox_sink(void *ctx, const struct alert *alert)
{
	return outbox_send(ctx, alert);
}

void outbox_get_stats(const struct outbox *outbox, struct outbox_stats *stats)
{
	*stats = outbox->stats;
}
