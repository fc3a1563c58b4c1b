// SPDX-License-Identifier: GPL-2.0-only
/*
 * outbox_gen: a test-only alert generator that drives the real outbox (spool, sender thread,
 * signed pipelined XADDs) as raqib-agent does, for the fault tests (tests/e2e/outbox_*.sh) and
 * the benchmark (tests/bench/bench_outbox.sh). Each alert is a file alert of a synthetic
 * document with two findings (a CIN, a RIB), like the ones the host path raises.
 *
 *   outbox_gen --redis HOST:PORT --agent-id ID --count N [--rate PER_SECOND]
 *              [--spool-dir DIR] [--keys DIR] [--fsync always|never|MS] [--max-bytes N]
 *              [--severity N|cycle] [--flush-timeout MS] [--log-accepted] [--site SITE]
 *
 * Sends as Redis's default user when RAQIB_INSECURE_NO_ACL=1, as raqib-agent does.
 *
 * With --log-accepted, prints "accepted SEQ" once each alert is in the spool. At the end prints
 * "stats key=value..." and exits 0 when every accepted alert was delivered within the flush
 * timeout (0: do not wait), 1 otherwise, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outbox/outbox.h"
#include "raqib/log.h"
#include "raqib/redis_conn.h"
#include "raqib/rules.h"
#include "raqib/schema.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int parse_u64(const char *text, uint64_t *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(text, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static const int severities[] = { RAQIB_SEVERITY_LOW, RAQIB_SEVERITY_MEDIUM, RAQIB_SEVERITY_HIGH,
				  RAQIB_SEVERITY_CRITICAL };

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "redis", required_argument, NULL, 'r' },
		{ "agent-id", required_argument, NULL, 'a' },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'R' },
		{ "spool-dir", required_argument, NULL, 's' },
		{ "keys", required_argument, NULL, 'k' },
		{ "fsync", required_argument, NULL, 'f' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "severity", required_argument, NULL, 'S' },
		{ "flush-timeout", required_argument, NULL, 't' },
		{ "log-accepted", no_argument, NULL, 'l' },
		{ "site", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct raqib_redis_addr addr;
	struct outbox_config cfg = {
		.redis = &addr,
		.agent_id = "gen",
		.host_name = "gen.test",
		.spool = { .max_bytes = 256u << 20, .segment_bytes = 4u << 20 },
		.timeout_ms = 1000,
		.backoff_max_ms = 1000,
	};
	uint64_t count = 0, rate = 0, flush_ms = 60000, severity = RAQIB_SEVERITY_HIGH;
	bool log_accepted = false, cycle = false;
	struct rules_finding findings[2] = {
		{ .type = "CIN",
		  .rule_id = "pii.cin",
		  .value = "ZZ999001",
		  .masked = "ZZ99****",
		  .occurrences = 2,
		  .score = 0.8f },
		{ .type = "RIB",
		  .rule_id = "pii.rib",
		  .value = "000000000000000000000097",
		  .masked = "0000********************",
		  .occurrences = 1,
		  .score = 1.0f },
	};
	struct rules_verdict verdict = { .findings = findings,
					 .n_findings = 2,
					 .is_official = true,
					 .level = RULES_LEVEL_CONFIDENTIAL };
	struct outbox_stats st;
	uint64_t start, end, refused = 0;
	struct outbox *o;
	char err[512], path[96];
	int c, ret = 0;

	log_init("outbox_gen", RAQIB_LOG_WARN);
	if (raqib_redis_addr_parse(RAQIB_REDIS_DEFAULT, &addr))
		return 2;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (raqib_redis_addr_parse(optarg, &addr))
				return 2;
			break;
		case 'a':
			cfg.agent_id = optarg;
			break;
		case 'n':
			if (parse_u64(optarg, &count))
				return 2;
			break;
		case 'R':
			if (parse_u64(optarg, &rate))
				return 2;
			break;
		case 's':
			cfg.spool.dir = optarg;
			break;
		case 'k':
			cfg.keys_dir = optarg;
			break;
		case 'f':
			if (outbox_parse_fsync(optarg, &cfg.spool.fsync,
					       &cfg.spool.fsync_interval_ms))
				return 2;
			break;
		case 'm':
			if (parse_u64(optarg, &cfg.spool.max_bytes))
				return 2;
			break;
		case 'S':
			cycle = strcmp(optarg, "cycle") == 0;
			if (!cycle && parse_u64(optarg, &severity))
				return 2;
			break;
		case 't':
			if (parse_u64(optarg, &flush_ms))
				return 2;
			break;
		case 'l':
			log_accepted = true;
			break;
		case 'T':
			cfg.site = optarg;
			break;
		default:
			return 2;
		}
	}
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): before threads */
	cfg.insecure_no_acl = getenv("RAQIB_INSECURE_NO_ACL") &&
			      strcmp(getenv("RAQIB_INSECURE_NO_ACL"), "1") == 0;
	o = outbox_new(&cfg, err, sizeof(err));
	if (!o) {
		log_error("gen", "%s", err);
		return 1;
	}
	/* the SHA-256 of "outbox_gen": alerts carry a rules hash as the agent's do */
	outbox_set_rules_hash(o,
			      "fa59628adedc18f51d8d4966c1954c8f3d2340b7a40901a8533587ebfe3ac331");
	outbox_get_stats(o, &st);
	printf("opened pending=%" PRIu64 " corrupt=%" PRIu64 " torn=%" PRIu64 " next_seq=%" PRIu64
	       "\n",
	       st.spool.pending, st.spool.corrupt_records, st.spool.torn_bytes,
	       st.spool.last_seq + 1);
	fflush(stdout);
	start = now_us();
	for (uint64_t i = 0; i < count; i++) {
		struct alert a = {
			.kind = ALERT_KIND_FILE,
			.rule_id = "policy.read.classified",
			.rule_name = "Classified document read by a messaging app",
			.rule_version = 1,
			.severity = cycle ? severities[i % 4] : (int)severity,
			.confidence = "medium",
			.why = "a messaging app opened a file holding personal data or an official document; no upload matched yet",
			.pid = 4242,
			.ppid = 1,
			.uid = 1000,
			.process_name = "telegram-deskto",
			.process_executable = "/usr/bin/telegram-desktop",
			.app = "Telegram",
			.file_path = path,
			.file_size = 18342,
			.file_sha256 =
				"1316b42be4c0a4a89a497b78bcd6616e8c131806083f43e37b2afac02ebe404d",
			.verdict = &verdict,
		};
		struct timespec ts;
		int rc;

		clock_gettime(CLOCK_REALTIME, &ts);
		a.ts_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		snprintf(path, sizeof(path), "/home/agent/Documents/gen-%" PRIu64 ".txt", i);
		rc = outbox_send(o, &a);
		if (rc == 0 && log_accepted) {
			outbox_get_stats(o, &st);
			printf("accepted %" PRIu64 "\n", st.last_sequence);
			fflush(stdout);
		}
		if (rate) {
			uint64_t due = start + (i + 1) * 1000000u / rate, t = now_us();

			if (due > t) {
				struct timespec d = { .tv_sec = (time_t)((due - t) / 1000000u),
						      .tv_nsec =
							      (long)((due - t) % 1000000u) * 1000 };

				nanosleep(&d, NULL);
			}
		}
	}
	if (flush_ms && outbox_flush(o, (unsigned)flush_ms))
		ret = 1;
	end = now_us();
	outbox_get_stats(o, &st);
	for (int i = 0; i < OUTBOX_CLASS_COUNT; i++)
		refused += st.refused[i];
	printf("stats accepted=%" PRIu64 " refused=%" PRIu64 " refused_low=%" PRIu64
	       " refused_critical=%" PRIu64 " sent=%" PRIu64 " pending=%" PRIu64
	       " last_seq=%" PRIu64 " redis_errors=%" PRIu64 " write_errors=%" PRIu64
	       " syncs=%" PRIu64 " elapsed_us=%" PRIu64 "\n",
	       st.accepted, refused, st.refused[OUTBOX_CLASS_LOW],
	       st.refused[OUTBOX_CLASS_CRITICAL], st.sent, st.spool.pending, st.spool.last_seq,
	       st.redis_errors, st.write_errors, st.spool.syncs, end - start);
	outbox_free(o);
	return ret;
}
