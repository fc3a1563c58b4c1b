// SPDX-License-Identifier: GPL-2.0-only
/*
 * collector_load: the load generator of tests/bench/bench_collector.sh. It simulates many
 * agents the way real agents talk to Redis: each has its own key (its file in the keys
 * directory), its registry entry and its own stream; each alert is an entry signed with its
 * agent's key (raqib_alert_mac()), each heartbeat a signed entry every interval per agent.
 * Alerts are a mix of file alerts (a document with two findings) and network uploads (two
 * CINs, two RIBs), hashed with the deployment key as agents hash them. Each alert's @timestamp
 * is the time it was sent, so that the benchmark measures the delay from XADD to stored.
 *
 *   collector_load setup --redis H:P --keys DIR --agents N --sites S
 *   collector_load send  --redis H:P --keys DIR --agents N --sites S --alerts M [--rate R]
 *                        [--heartbeat-ms MS] [--documents D]
 *
 * Prints "sent alerts=... heartbeats=... elapsed_ms=...". Exits 0, 1 on an error, 2 on usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "raqib/keys.h"
#include "raqib/keyspace.h"
#include "raqib/redis_cluster.h"
#include "raqib/schema.h"

#define PIPELINE 512
#define EPOCH	 "00000000000000b1"

struct agent {
	char id[32];
	char site[RAQIB_SITE_MAX + 1];
	char stream[RAQIB_KEY_MAX];
	struct raqib_key key;
	uint64_t seq;
	uint64_t next_hb_ms;
};

struct cmd {
	char stream[RAQIB_KEY_MAX];
	char seq[24], sig[RAQIB_MAC_HEX_BYTES];
	char *body;
	bool heartbeat;
	const char *argv[13];
	size_t lens[13];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void iso_time(uint64_t ms, char *out, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char base[24];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03uZ", base, (unsigned)(ms % 1000));
}

/* A realistic alert of agent a: a file alert, or a network upload, every other one. */
static char *make_alert(const struct agent *a, const struct raqib_key *dkey, uint64_t doc,
			const char *dkey_id)
{
	char ts[32], h1[RAQIB_MAC_HEX_BYTES], h2[RAQIB_MAC_HEX_BYTES], h3[RAQIB_MAC_HEX_BYTES],
		cin[16], sha[65];
	char *out = malloc(3072);
	bool network = a->seq % 2 == 0;

	if (!out)
		return NULL;
	iso_time(now_ms(), ts, sizeof(ts));
	/* the citizens and the documents repeat across agents: spread incidents happen */
	snprintf(cin, sizeof(cin), "ZZ%06" PRIu64, (a->seq * 7919 + doc) % 100000);
	raqib_value_hash(dkey, "CIN", cin, h1);
	raqib_value_hash(dkey, "RIB", "007780000123456789012396", h2);
	snprintf(sha, sizeof(sha), "%064" PRIx64, doc);
	raqib_value_hash(dkey, "CIN", "ZZ000001", h3);
	if (network)
		snprintf(
			out, 3072,
			"{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s-%" PRIu64
			"\",\"kind\":\"alert\",\"module\":\"raqib\",\"dataset\":\"raqib.network\",\"category\":[\"network\"],\"severity\":47,\"created\":\"%s\"},"
			"\"host\":{\"name\":\"%s.example\"},\"agent\":{\"id\":\"%s\",\"type\":\"raqib-agent\",\"version\":\"0.1.0\"},"
			"\"rule\":{\"id\":\"policy.network.personal_data\",\"name\":\"Personal data in a cleartext upload\",\"version\":\"1\"},"
			"\"source\":{\"ip\":\"10.1.2.3\",\"port\":41374,\"bytes\":782},\"destination\":{\"ip\":\"198.51.100.7\",\"port\":80},"
			"\"network\":{\"transport\":\"tcp\",\"protocol\":\"http\",\"community_id\":\"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\"},"
			"\"file\":{\"name\":\"beneficiaires.txt\",\"size\":540,\"hash\":{\"sha256\":\"%s\"}},"
			"\"raqib\":{\"schema_version\":2,\"sequence\":%" PRIu64
			",\"confidence\":\"high\",\"why\":\"personal data in a cleartext upload\",\"rules_hash\":\"fa59628adedc18f51d8d4966c1954c8f3d2340b7a40901a8533587ebfe3ac331\",\"value_key_id\":\"%s\",\"ndpi_protocol\":\"HTTP\","
			"\"findings\":[{\"type\":\"CIN\",\"rule_id\":\"pii.cin\",\"masked\":\"ZZ******\",\"occurrences\":1,\"score\":0.8,\"hash\":\"%s\"},"
			"{\"type\":\"RIB\",\"rule_id\":\"pii.rib\",\"masked\":\"00******************\",\"occurrences\":1,\"score\":1,\"hash\":\"%s\"}]}}",
			ts, a->id, a->seq, ts, a->id, a->id, sha, a->seq, dkey_id, h1, h2);
	else
		snprintf(
			out, 3072,
			"{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s-%" PRIu64
			"\",\"kind\":\"alert\",\"module\":\"raqib\",\"dataset\":\"raqib.file\",\"category\":[\"file\"],\"severity\":73,\"created\":\"%s\"},"
			"\"host\":{\"name\":\"%s.example\"},\"agent\":{\"id\":\"%s\",\"type\":\"raqib-agent\",\"version\":\"0.1.0\"},"
			"\"rule\":{\"id\":\"policy.read.classified\",\"name\":\"Classified document read by a messaging app\",\"version\":\"1\"},"
			"\"process\":{\"pid\":4242,\"name\":\"telegram-deskto\",\"executable\":\"/usr/bin/telegram-desktop\",\"parent\":{\"pid\":1}},\"user\":{\"id\":\"1000\"},"
			"\"file\":{\"path\":\"/home/agent/Documents/note-%" PRIu64
			".odt\",\"size\":18342,\"hash\":{\"sha256\":\"%s\"}},"
			"\"raqib\":{\"schema_version\":2,\"sequence\":%" PRIu64
			",\"confidence\":\"medium\",\"why\":\"a messaging app opened a file holding personal data\",\"rules_hash\":\"fa59628adedc18f51d8d4966c1954c8f3d2340b7a40901a8533587ebfe3ac331\",\"value_key_id\":\"%s\",\"app\":\"Telegram\","
			"\"findings\":[{\"type\":\"CIN\",\"rule_id\":\"pii.cin\",\"masked\":\"ZZ******\",\"occurrences\":2,\"score\":0.8,\"hash\":\"%s\"}],"
			"\"document\":{\"official\":true,\"level\":\"CONFIDENTIAL\"}}}",
			ts, a->id, a->seq, ts, a->id, a->id, doc, sha, a->seq, dkey_id, h3);
	return out;
}

static int usage(void)
{
	fputs("usage: collector_load setup|send --redis H:P --keys DIR --agents N --sites S "
	      "[--alerts M] [--rate R] [--heartbeat-ms MS] [--documents D]\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "redis", required_argument, NULL, 'r' },
		{ "keys", required_argument, NULL, 'k' },
		{ "agents", required_argument, NULL, 'a' },
		{ "sites", required_argument, NULL, 's' },
		{ "alerts", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'R' },
		{ "heartbeat-ms", required_argument, NULL, 'H' },
		{ "documents", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct raqib_redis_addr addr;
	const char *keys = NULL, *mode;
	uint64_t n_agents = 10000, n_sites = 10, n_alerts = 0, rate = 0, hb_ms = 5000, docs = 5000;
	uint64_t sent = 0, heartbeats = 0, start, idx = 0;
	struct raqib_key dkey;
	char dkey_id[RAQIB_KEY_ID_HEX_BYTES], path[4096], err[512];
	struct agent *agents;
	struct raqib_redis *r;
	struct cmd *cmds;
	struct raqib_redis_cmd *rc;
	redisReply **replies;
	bool created;
	int c;

	if (argc < 2)
		return usage();
	mode = argv[1];
	optind = 2;
	if (raqib_redis_addr_parse(RAQIB_REDIS_DEFAULT, &addr))
		return 2;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (raqib_redis_addr_parse(optarg, &addr))
				return usage();
			break;
		case 'k':
			keys = optarg;
			break;
		case 'a':
			n_agents = strtoull(optarg, NULL, 10);
			break;
		case 's':
			n_sites = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			n_alerts = strtoull(optarg, NULL, 10);
			break;
		case 'R':
			rate = strtoull(optarg, NULL, 10);
			break;
		case 'H':
			hb_ms = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			docs = strtoull(optarg, NULL, 10);
			break;
		default:
			return usage();
		}
	}
	if (!keys || !n_agents || !n_sites || !docs)
		return usage();
	r = raqib_redis_open(&addr, NULL, NULL, 10000, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "collector_load: %s\n", err);
		return 1;
	}
	agents = calloc(n_agents, sizeof(*agents));
	cmds = calloc(PIPELINE, sizeof(*cmds));
	rc = calloc(PIPELINE, sizeof(*rc));
	replies = calloc(PIPELINE, sizeof(*replies));
	if (!agents || !cmds || !rc || !replies)
		return 1;
	if (raqib_deployment_key_path(keys, path, sizeof(path)) ||
	    raqib_key_load_or_create(path, &dkey, &created, err, sizeof(err))) {
		fprintf(stderr, "collector_load: %s\n", err);
		return 1;
	}
	raqib_key_id(&dkey, dkey_id);
	for (uint64_t i = 0; i < n_agents; i++) {
		struct agent *a = &agents[i];

		snprintf(a->id, sizeof(a->id), "sim-%06" PRIu64, i % 1000000);
		snprintf(a->site, sizeof(a->site), "site-%02u", (unsigned)(i % n_sites % 100));
		raqib_key_stream(a->site, a->id, a->stream, sizeof(a->stream));
		if (raqib_agent_key_path(keys, a->id, path, sizeof(path)) ||
		    raqib_key_load_or_create(path, &a->key, &created, err, sizeof(err))) {
			fprintf(stderr, "collector_load: %s\n", err);
			return 1;
		}
		a->next_hb_ms = now_ms() + (i * hb_ms) / n_agents;
	}
	if (strcmp(mode, "setup") == 0) {
		for (uint64_t i = 0; i < n_agents; i++) {
			const char *hset[] = { "HSET", RAQIB_KEY_REGISTRY, agents[i].id,
					       agents[i].site };
			const char *sadd[] = { "SADD", RAQIB_KEY_SITES, agents[i].site };
			redisReply *x = raqib_redis_command(r, RAQIB_KEY_REGISTRY, 4, hset, NULL);
			redisReply *y = raqib_redis_command(r, RAQIB_KEY_SITES, 3, sadd, NULL);

			if (!x || !y) {
				fprintf(stderr, "collector_load: %s\n", raqib_redis_error(r));
				return 1;
			}
			freeReplyObject(x);
			freeReplyObject(y);
		}
		printf("setup agents=%" PRIu64 " sites=%" PRIu64 "\n", n_agents, n_sites);
		return 0;
	}
	if (strcmp(mode, "send") != 0)
		return usage();
	start = now_ms();
	while (sent < n_alerts) {
		size_t n = 0;
		uint64_t t = now_ms();

		/* heartbeats due, then alerts, round robin over the agents */
		for (uint64_t i = 0; hb_ms && i < n_agents && n < PIPELINE / 2; i++) {
			struct agent *a = &agents[(idx + i) % n_agents];
			struct cmd *m = &cmds[n];
			char json[256];

			if (a->next_hb_ms > t)
				continue;
			a->next_hb_ms = t + hb_ms;
			snprintf(
				json, sizeof(json),
				"{\"agent.id\":\"%s\",\"interval_ms\":\"%" PRIu64
				"\",\"mode\":\"run\",\"outbox.epoch\":\"" EPOCH
				"\",\"sensor.bpf\":\"attached\",\"status\":\"running\",\"ts\":\"%" PRIu64
				"\"}",
				a->id, hb_ms, t);
			m->body = strdup(json);
			raqib_heartbeat_mac(&a->key, a->id, m->body, strlen(m->body), m->sig);
			m->argv[0] = "XADD";
			m->argv[1] = a->stream;
			m->argv[2] = "*";
			m->argv[3] = RAQIB_FIELD_AGENT;
			m->argv[4] = a->id;
			m->argv[5] = RAQIB_FIELD_HEARTBEAT;
			m->argv[6] = m->body;
			m->argv[7] = RAQIB_FIELD_SIG;
			m->argv[8] = m->sig;
			rc[n] = (struct raqib_redis_cmd){ .key = a->stream,
							  .argc = 9,
							  .argv = m->argv };
			n++;
			heartbeats++;
		}
		while (n < PIPELINE && sent < n_alerts) {
			struct agent *a = &agents[idx++ % n_agents];
			struct cmd *m = &cmds[n];

			a->seq++;
			m->body = make_alert(a, &dkey, (idx * 31) % docs + 1, dkey_id);
			if (!m->body)
				return 1;
			snprintf(m->seq, sizeof(m->seq), "%" PRIu64, a->seq);
			raqib_alert_mac(&a->key, a->id, EPOCH, a->seq, m->body, strlen(m->body),
					m->sig);
			m->argv[0] = "XADD";
			m->argv[1] = a->stream;
			m->argv[2] = "*";
			m->argv[3] = RAQIB_FIELD_AGENT;
			m->argv[4] = a->id;
			m->argv[5] = RAQIB_FIELD_EPOCH;
			m->argv[6] = EPOCH;
			m->argv[7] = RAQIB_FIELD_SEQ;
			m->argv[8] = m->seq;
			m->argv[9] = RAQIB_FIELD_ALERT;
			m->argv[10] = m->body;
			m->argv[11] = RAQIB_FIELD_SIG;
			m->argv[12] = m->sig;
			rc[n] = (struct raqib_redis_cmd){ .key = a->stream,
							  .argc = 13,
							  .argv = m->argv };
			n++;
			sent++;
		}
		if (raqib_redis_pipeline(r, n, rc, replies)) {
			fprintf(stderr, "collector_load: %s\n", raqib_redis_error(r));
			return 1;
		}
		for (size_t i = 0; i < n; i++) {
			if (replies[i]->type == REDIS_REPLY_ERROR) {
				fprintf(stderr, "collector_load: %s\n", replies[i]->str);
				return 1;
			}
			freeReplyObject(replies[i]);
			free(cmds[i].body);
		}
		if (rate) {
			uint64_t due = start + sent * 1000 / rate, t2 = now_ms();

			if (due > t2) {
				struct timespec d = { .tv_sec = (time_t)((due - t2) / 1000),
						      .tv_nsec =
							      (long)((due - t2) % 1000) * 1000000 };

				nanosleep(&d, NULL);
			}
		}
	}
	printf("sent alerts=%" PRIu64 " heartbeats=%" PRIu64 " elapsed_ms=%" PRIu64 "\n", sent,
	       heartbeats, now_ms() - start);
	raqib_redis_close(r);
	return 0;
}
