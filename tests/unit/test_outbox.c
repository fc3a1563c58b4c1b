// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the outbox without a Redis to talk to: the admission policy (low severity
 * refused first), option parsing, the spool directory, heartbeat fields and providers, and an
 * outbox whose Redis is unreachable: alerts are accepted into the spool, numbered on across a
 * restart, refused by severity when the spool fills, and every refusal counted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "outbox/heartbeat.h"
#include "outbox/outbox.h"
#include "raqib/redis_conn.h"
#include "raqib/rules.h"
#include "raqib/schema.h"

static void test_admission_policy(void **state)
{
	const uint64_t max = 1000;

	(void)state;
	/* an empty spool takes anything that fits the class's share */
	assert_true(outbox_admits(RAQIB_SEVERITY_LOW, 0, 500, max));
	assert_false(outbox_admits(RAQIB_SEVERITY_LOW, 0, 501, max));
	/* at 60 %: low refused, the others taken */
	assert_false(outbox_admits(RAQIB_SEVERITY_LOW, 600, 10, max));
	assert_true(outbox_admits(RAQIB_SEVERITY_MEDIUM, 600, 10, max));
	/* at 80 %: medium refused too */
	assert_false(outbox_admits(RAQIB_SEVERITY_MEDIUM, 800, 10, max));
	assert_true(outbox_admits(RAQIB_SEVERITY_HIGH, 800, 10, max));
	/* at 95 %: only critical */
	assert_false(outbox_admits(RAQIB_SEVERITY_HIGH, 950, 10, max));
	assert_true(outbox_admits(RAQIB_SEVERITY_CRITICAL, 950, 50, max));
	assert_false(outbox_admits(RAQIB_SEVERITY_CRITICAL, 950, 51, max));
	/* no overflow near the top of the range */
	assert_false(outbox_admits(RAQIB_SEVERITY_CRITICAL, UINT64_MAX - 1, 10, UINT64_MAX));
	assert_int_equal(outbox_class_of(0), OUTBOX_CLASS_LOW);
	assert_int_equal(outbox_class_of(46), OUTBOX_CLASS_LOW);
	assert_int_equal(outbox_class_of(47), OUTBOX_CLASS_MEDIUM);
	assert_int_equal(outbox_class_of(73), OUTBOX_CLASS_HIGH);
	assert_int_equal(outbox_class_of(99), OUTBOX_CLASS_CRITICAL);
	assert_string_equal(outbox_class_name(OUTBOX_CLASS_HIGH), "high");
}

static void test_parse_fsync(void **state)
{
	enum spool_fsync p;
	unsigned ms = 0;

	(void)state;
	assert_int_equal(outbox_parse_fsync("always", &p, &ms), 0);
	assert_int_equal(p, SPOOL_FSYNC_ALWAYS);
	assert_int_equal(outbox_parse_fsync("never", &p, &ms), 0);
	assert_int_equal(p, SPOOL_FSYNC_NEVER);
	assert_int_equal(outbox_parse_fsync("250", &p, &ms), 0);
	assert_int_equal(p, SPOOL_FSYNC_INTERVAL);
	assert_int_equal(ms, 250);
	assert_int_equal(outbox_parse_fsync("0", &p, &ms), -EINVAL);
	assert_int_equal(outbox_parse_fsync("-5", &p, &ms), -EINVAL);
	assert_int_equal(outbox_parse_fsync("10ms", &p, &ms), -EINVAL);
	assert_int_equal(outbox_parse_fsync("sometimes", &p, &ms), -EINVAL);
	assert_int_equal(outbox_parse_fsync("99999999999", &p, &ms), -EINVAL);
}

static void test_spool_dir(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(outbox_spool_dir("/x/spool", "ws-1", out, sizeof(out)), 0);
	assert_string_equal(out, "/x/spool/ws-1");
	assert_int_equal(setenv("RAQIB_SPOOL", "/from/env", 1), 0);
	assert_int_equal(outbox_spool_dir(NULL, "ws-1", out, sizeof(out)), 0);
	assert_string_equal(out, "/from/env/ws-1");
	assert_int_equal(unsetenv("RAQIB_SPOOL"), 0);
	assert_int_equal(outbox_spool_dir("/x", "ws-1", out, 7), -ENAMETOOLONG);
}

static void provider_a(void *ctx, struct heartbeat_fields *f)
{
	heartbeat_set(f, "a", "%s", (const char *)ctx);
	heartbeat_set_u64(f, "n", 1);
}

static void provider_b(void *ctx, struct heartbeat_fields *f)
{
	(void)ctx;
	heartbeat_set_u64(f, "n", 2); /* a later provider replaces a key */
	heartbeat_set(
		f,
		"a-key-that-is-far-too-long-to-be-a-heartbeat-field-name-even-with-the-ids-of-rules-in-it-ninety-six",
		"x");
}

static void test_heartbeat_providers(void **state)
{
	struct heartbeat *hb = heartbeat_new();
	struct heartbeat_fields *f = calloc(1, sizeof(*f));
	char big[HEARTBEAT_VALUE_MAX + 10];

	(void)state;
	assert_non_null(hb);
	assert_non_null(f);
	assert_int_equal(heartbeat_add_provider(hb, provider_a, "one"), 0);
	assert_int_equal(heartbeat_add_provider(hb, provider_b, NULL), 0);
	heartbeat_collect(hb, f);
	assert_string_equal(heartbeat_get(f, "a"), "one");
	assert_string_equal(heartbeat_get(f, "n"), "2");
	/* what did not fit is counted, and said */
	assert_int_equal(f->dropped, 1);
	assert_string_equal(heartbeat_get(f, "heartbeat.fields_dropped"), "1");
	heartbeat_remove_provider(hb, NULL);
	heartbeat_collect(hb, f);
	assert_string_equal(heartbeat_get(f, "n"), "1");
	assert_null(heartbeat_get(f, "heartbeat.fields_dropped"));
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	heartbeat_set(f, "big", "%s", big);
	assert_int_equal(strlen(heartbeat_get(f, "big")), HEARTBEAT_VALUE_MAX - 1);
	assert_int_equal(f->dropped, 1);
	for (int i = 0; i < HEARTBEAT_MAX_FIELDS + 5; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		heartbeat_set_u64(f, key, (uint64_t)i);
	}
	assert_int_equal(f->n, HEARTBEAT_MAX_FIELDS);
	heartbeat_free(hb);
	free(f);
}

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/raqib-test-outbox.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd); /* NOLINT(cert-env33-c): the test's own directory */
}

static struct outbox *open_outbox(uint64_t max_bytes)
{
	static struct raqib_redis_addr nowhere;
	char keys[96], spool[96], err[256];
	struct outbox_config cfg = {
		.redis = &nowhere,
		.agent_id = "ws-unit",
		.host_name = "ws-unit.example",
		.keys_dir = keys,
		.spool = { .dir = spool, .max_bytes = max_bytes, .fsync = SPOOL_FSYNC_NEVER },
		.timeout_ms = 200,
		.backoff_max_ms = 60000,
	};
	struct outbox *o;

	/* a closed port on loopback: every connection attempt is refused at once */
	assert_int_equal(raqib_redis_addr_parse("127.0.0.1:1", &nowhere), 0);
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	o = outbox_new(&cfg, err, sizeof(err));
	if (!o)
		fail_msg("outbox_new: %s", err);
	return o;
}

static int send_one(struct outbox *o, int severity, const struct rules_verdict *v)
{
	const struct alert a = {
		.kind = ALERT_KIND_FILE,
		.ts_ms = 1795345513123,
		.rule_id = "test.rule",
		.rule_name = "test",
		.severity = severity,
		.confidence = "medium",
		.why = "a unit test",
		.uid = -1,
		.file_path = "/tmp/x",
		.file_size = -1,
		.verdict = v,
	};

	return outbox_send(o, &a);
}

static void test_outbox_without_redis(void **state)
{
	struct rules_verdict v = { 0 };
	struct rules_finding finding = { .type = "CIN",
					 .rule_id = "pii.cin",
					 .value = "BK734021",
					 .masked = "BK73****",
					 .occurrences = 1,
					 .score = 0.8f };
	struct outbox_stats st;
	struct outbox *o;
	int accepted = 0;

	(void)state;
	v.findings = &finding;
	v.n_findings = 1;
	/* 2 MiB: low alerts up to 1 MiB, medium to 1.5, high to 1.8, critical to 2 */
	o = open_outbox(2u << 20);
	assert_int_equal(send_one(o, RAQIB_SEVERITY_HIGH, &v), 0);
	assert_int_equal(send_one(o, RAQIB_SEVERITY_LOW, &v), 0);
	outbox_get_stats(o, &st);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(st.last_sequence, 2);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.findings, 2);
	assert_int_equal(st.spool.pending, 2);
	/* fill with low alerts until the policy refuses them */
	while (send_one(o, RAQIB_SEVERITY_LOW, &v) == 0)
		accepted++;
	outbox_get_stats(o, &st);
	assert_int_equal(st.refused[OUTBOX_CLASS_LOW], 1);
	assert_true(st.spool.bytes <= 1u << 20);
	assert_true(st.spool.bytes > (1u << 20) - 2000);
	/* a medium alert still gets in, and a critical one */
	assert_int_equal(send_one(o, RAQIB_SEVERITY_MEDIUM, &v), 0);
	assert_int_equal(send_one(o, RAQIB_SEVERITY_CRITICAL, &v), 0);
	assert_int_equal(send_one(o, RAQIB_SEVERITY_LOW, &v), -ENOSPC);
	outbox_get_stats(o, &st);
	assert_int_equal(st.refused[OUTBOX_CLASS_LOW], 2);
	assert_int_equal(st.failed, 2);
	assert_int_equal(st.accepted, (uint64_t)accepted + 4);
	/* nobody to deliver to: flushing times out, and the alerts stay */
	assert_int_equal(outbox_flush(o, 10), -ETIMEDOUT);
	outbox_free(o);

	/* a restart resumes the spool and the numbering */
	o = open_outbox(2u << 20);
	outbox_get_stats(o, &st);
	assert_int_equal(st.spool.pending, (uint64_t)accepted + 4);
	assert_int_equal(send_one(o, RAQIB_SEVERITY_CRITICAL, &v), 0);
	outbox_get_stats(o, &st);
	assert_int_equal(st.last_sequence, (uint64_t)accepted + 5);
	outbox_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admission_policy),
		cmocka_unit_test(test_parse_fsync),
		cmocka_unit_test(test_spool_dir),
		cmocka_unit_test(test_heartbeat_providers),
		cmocka_unit_test_setup_teardown(test_outbox_without_redis, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
