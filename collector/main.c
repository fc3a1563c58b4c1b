// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-collector: consumes raqib:events in the "collectors" consumer group, validates each
 * entry, stores the alert (deduplicated by agent and sequence) and acknowledges it; refused
 * entries go to raqib:events:dead with the reason. Several collectors can share the group.
 * See docs/man/raqib-collector.1.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "raqib/log.h"
#include "raqib/redis_conn.h"
#include "raqib/schema.h"
#include "ingest.h"
#include "keystore.h"
#include "store.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

#define EXIT_USAGE 2
#define REDIS_TIMEOUT_MS 3000
#define READ_BLOCK_MS 1000
#define READ_COUNT 256
#define RECONNECT_MAX_MS 10000

static volatile sig_atomic_t stop_requested;

struct collector {
	struct raqib_redis_addr redis;
	char consumer[128];
	bool drain; /* exit once nothing is left to read */
	struct store *store;
	struct keystore *keys;
	uint64_t stored, duplicates, refused, forged, conflicts, gaps;
};

static const char usage_text[] =
	"Usage: raqib-collector [OPTIONS]\n"
	"\n"
	"Consumes alerts from the Redis stream raqib:events (consumer group \"collectors\"),\n"
	"validates them, stores them deduplicated by agent and sequence, then acknowledges them.\n"
	"Entries that fail validation go to raqib:events:dead with the reason.\n"
	"\n"
	"Options:\n"
	"  -r, --redis HOST:PORT   Redis to consume from (default: $RAQIB_REDIS, else\n"
	"                          127.0.0.1:6379)\n"
	"  -c, --consumer NAME     consumer name in the group (default: HOST-PID)\n"
	"      --keys DIR          agents' keys AGENT-ID.key and deployment.key: entries not\n"
	"                          signed with their agent's key are refused (default:\n"
	"                          $RAQIB_KEYS, else /etc/raqib/keys)\n"
	"      --drain             store what is in the stream now, then exit\n"
	"  -v, --verbose           log debug messages (twice: library internals too)\n"
	"  -q, --quiet             log errors only\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Examples:\n"
	"  raqib-collector\n"
	"      consume from the local Redis until SIGINT or SIGTERM\n"
	"  raqib-collector --redis 10.0.0.5:6379 --consumer collector-a\n"
	"  raqib-collector --drain && raqibctl alerts\n"
	"  raqib-collector --keys /etc/raqib/keys\n"
	"\n"
	"Exit status: 0 on success, 1 on an error (Redis unreachable at start), 2 on a usage error.\n";

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int on_entry(void *ctx, const char *id, const struct stream_field *fields, size_t n)
{
	struct collector *c = ctx;
	const struct stream_field *alert = ingest_find_field(fields, n, RAQIB_FIELD_ALERT);
	struct ingest_entry entry;
	struct store_outcome outcome;
	char reason[512];
	int err;

	if (ingest_parse(fields, n, &entry, reason, sizeof(reason)) != 0) {
		c->refused++;
		log_warn("collector", "refused entry %s: %s", id, reason);
		return store_dead_letter(c->store, id, reason);
	}
	err = keystore_verify(c->keys, &entry, alert->value, alert->value_len, reason,
			      sizeof(reason));
	if (err == -ENOMEM) {
		ingest_entry_release(&entry);
		return err;
	}
	if (err) {
		c->refused++;
		c->forged += err == -EBADMSG;
		log_warn("collector", "refused entry %s: %s", id, reason);
		ingest_entry_release(&entry);
		return store_dead_letter(c->store, id, reason);
	}
	err = store_save(c->store, id, &entry, alert->value, alert->value_len, &outcome);
	if (!err && outcome.result == STORE_CONFLICT)
		log_warn("collector",
			 "refused entry %s: sequence %" PRIu64
			 " of agent '%s' already holds another alert",
			 id, entry.sequence, entry.agent_id);
	if (!err && outcome.result == STORE_GAP)
		log_warn("collector",
			 "agent '%s': sequence numbers %" PRIu64 "..%" PRIu64 " missing",
			 entry.agent_id, outcome.gap_from, outcome.gap_to);
	ingest_entry_release(&entry);
	if (err)
		return err;
	c->duplicates += outcome.result == STORE_DUPLICATE;
	c->conflicts += outcome.result == STORE_CONFLICT;
	c->gaps += outcome.result == STORE_GAP;
	c->stored += outcome.result == STORE_NEW || outcome.result == STORE_GAP;
	return 0;
}

static int connect_store(struct collector *c, bool first)
{
	char err[512];

	store_free(c->store);
	c->store = store_connect(&c->redis, REDIS_TIMEOUT_MS, err, sizeof(err));
	if (!c->store) {
		if (first)
			log_error("collector", "%s", err);
		return -EIO;
	}
	if (store_ensure_group(c->store)) {
		log_error("collector", "%s", store_error(c->store));
		return -EIO;
	}
	return 0;
}

/* Reconnects with exponential backoff until it works or a stop is requested. */
static int reconnect(struct collector *c)
{
	int delay_ms = 250;

	log_warn("collector", "lost redis at %s:%d (%s); reconnecting", c->redis.host,
		 c->redis.port, c->store ? store_error(c->store) : "not connected");
	while (!stop_requested) {
		struct timespec ts = { .tv_sec = delay_ms / 1000,
				       .tv_nsec = (long)(delay_ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
		if (connect_store(c, false) == 0) {
			log_info("collector", "reconnected to redis at %s:%d", c->redis.host,
				 c->redis.port);
			return 0;
		}
		delay_ms = delay_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : delay_ms * 2;
	}
	return -EINTR;
}

static int consume(struct collector *c)
{
	bool pending = true; /* first what this consumer was given but never acknowledged */

	while (!stop_requested) {
		int n = store_read(c->store, c->consumer, pending, c->drain ? 0 : READ_BLOCK_MS,
				   READ_COUNT, on_entry, c);

		if (n < 0) {
			if (reconnect(c))
				break;
			pending = true;
			continue;
		}
		if (pending && n == 0)
			pending = false;
		else if (!pending && n == 0 && c->drain)
			break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "redis", required_argument, NULL, 'r' },
		{ "consumer", required_argument, NULL, 'c' },
		{ "drain", no_argument, NULL, 'D' },
		{ "keys", required_argument, NULL, 'K' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct collector c = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	enum raqib_log_level level = RAQIB_LOG_INFO;
	const char *redis = NULL, *consumer = NULL, *source, *keys_dir = NULL;
	char host[64], err[512];
	int opt;

	log_init("raqib-collector", level);
	while ((opt = getopt_long(argc, argv, "r:c:vqhV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			redis = optarg;
			break;
		case 'c':
			consumer = optarg;
			break;
		case 'D':
			c.drain = true;
			break;
		case 'K':
			keys_dir = optarg;
			break;
		case 'v':
			if (level < RAQIB_LOG_TRACE)
				level++;
			break;
		case 'q':
			level = RAQIB_LOG_ERROR;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("raqib-collector %s\n", RAQIB_VERSION);
			return 0;
		default:
			fputs("Try 'raqib-collector --help' for more information.\n", stderr);
			return EXIT_USAGE;
		}
	}
	log_set_level(level);
	if (optind != argc) {
		log_error("collector", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (raqib_redis_addr_select(redis, &c.redis, &source)) {
		log_error("collector", "invalid redis address from %s: expected HOST:PORT", source);
		return EXIT_USAGE;
	}
	if (consumer) {
		snprintf(c.consumer, sizeof(c.consumer), "%s", consumer);
	} else {
		if (gethostname(host, sizeof(host) - 1))
			snprintf(host, sizeof(host), "collector");
		host[sizeof(host) - 1] = '\0';
		snprintf(c.consumer, sizeof(c.consumer), "%s-%d", host, (int)getpid());
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	c.keys = keystore_new(keys_dir, err, sizeof(err));
	if (!c.keys) {
		log_error("collector", "%s", err);
		return 1;
	}
	if (connect_store(&c, true)) {
		keystore_free(c.keys);
		return 1;
	}
	if (!keystore_value_key_id(c.keys))
		log_warn("collector",
			 "no deployment key in '%s': the deployment key of alerts is not checked",
			 keystore_dir(c.keys));
	log_info("collector", "consuming %s as '%s'", RAQIB_STREAM_EVENTS, c.consumer);
	consume(&c);
	log_info(
		"collector",
		"%llu alerts stored, %llu duplicates, %llu refused (%llu forged or altered, %llu reused numbers), %llu sequence gaps",
		(unsigned long long)c.stored, (unsigned long long)c.duplicates,
		(unsigned long long)(c.refused + c.conflicts), (unsigned long long)c.forged,
		(unsigned long long)c.conflicts, (unsigned long long)c.gaps);
	store_free(c.store);
	keystore_free(c.keys);
	return 0;
}
