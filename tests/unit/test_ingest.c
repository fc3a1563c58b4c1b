// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of stream-entry validation in the collector: a good entry, and each reason an
 * entry is refused (missing field, bad agent id or sequence, mismatch with the document, bad
 * JSON or timestamp, a finding that carries a raw value).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ingest.h"

#define GOOD_ALERT                                                                              \
	"{\"@timestamp\":\"2026-11-22T11:05:10.108Z\",\"event\":{\"id\":\"e1\"},"              \
	"\"agent\":{\"id\":\"ws-1\"},\"rule\":{\"id\":\"r\"},"                                   \
	"\"raqib\":{\"sequence\":42,\"findings\":[{\"type\":\"CIN\",\"masked\":\"BK73****\"}]}}"

#define GOOD_SIG "04455ed31ab45732e3cef47fbafa9494b44417f34252bdb9c27e8001461ee461"
#define GOOD_EPOCH "00112233aabbccdd"

static int parse_signed(const char *agent, const char *seq, const char *alert, const char *sig,
			char *reason, struct ingest_entry *e)
{
	struct stream_field f[5];
	size_t n = 0;

	f[n++] = (struct stream_field){ "epoch", 5, GOOD_EPOCH, 16 };
	if (agent)
		f[n++] = (struct stream_field){ "agent", 5, agent, strlen(agent) };
	if (seq)
		f[n++] = (struct stream_field){ "seq", 3, seq, strlen(seq) };
	if (alert)
		f[n++] = (struct stream_field){ "alert", 5, alert, strlen(alert) };
	if (sig)
		f[n++] = (struct stream_field){ "sig", 3, sig, strlen(sig) };
	return ingest_parse(f, n, e, reason, 256);
}

static int parse(const char *agent, const char *seq, const char *alert, char *reason,
		 struct ingest_entry *e)
{
	return parse_signed(agent, seq, alert, GOOD_SIG, reason, e);
}

static void test_good_entry(void **state)
{
	struct ingest_entry e;
	char reason[256];

	(void)state;
	assert_int_equal(parse("ws-1", "42", GOOD_ALERT, reason, &e), 0);
	assert_string_equal(e.agent_id, "ws-1");
	assert_int_equal(e.sequence, 42);
	assert_int_equal(e.ts_ms, 1795345510108);
	assert_string_equal(e.epoch, GOOD_EPOCH);
	assert_non_null(e.alert);
	ingest_entry_release(&e);
	assert_null(e.alert);
}

static void expect_refused(const char *agent, const char *seq, const char *alert,
			   const char *why)
{
	struct ingest_entry e;
	char reason[256];

	assert_int_equal(parse(agent, seq, alert, reason, &e), -EINVAL);
	assert_null(e.alert);
	if (!strstr(reason, why))
		fail_msg("reason '%s' does not mention '%s'", reason, why);
}

static void test_refused_entries(void **state)
{
	(void)state;
	expect_refused(NULL, "42", GOOD_ALERT, "missing field 'agent'");
	expect_refused("ws-1", NULL, GOOD_ALERT, "missing field 'seq'");
	expect_refused("ws-1", "42", NULL, "missing field 'alert'");
	expect_refused("ws 1", "42", GOOD_ALERT, "invalid agent id");
	expect_refused("ws-1", "0", GOOD_ALERT, "invalid seq");
	expect_refused("ws-1", "-1", GOOD_ALERT, "invalid seq");
	expect_refused("ws-1", "99999999999999999999999", GOOD_ALERT, "invalid seq");
	expect_refused("ws-2", "42", GOOD_ALERT, "agent.id does not match");
	expect_refused("ws-1", "43", GOOD_ALERT, "sequence does not match");
	expect_refused("ws-1", "42", "{\"@timestamp\":", "not valid JSON");
	expect_refused("ws-1", "42", "[1,2]", "not a JSON object");
	expect_refused("ws-1", "42",
		       "{\"@timestamp\":\"yesterday\",\"event\":{\"id\":\"e\"},\"agent\":{\"id\":"
		       "\"ws-1\"},\"rule\":{\"id\":\"r\"},\"raqib\":{\"sequence\":42}}",
		       "@timestamp");
	expect_refused("ws-1", "42",
		       "{\"@timestamp\":\"2026-11-22T11:05:10Z\",\"event\":{\"id\":\"e\"},"
		       "\"agent\":{\"id\":\"ws-1\"},\"rule\":{\"id\":\"r\"},\"raqib\":{\"sequence\":"
		       "42,\"findings\":[{\"type\":\"CIN\",\"masked\":\"BK73****\",\"value\":"
		       "\"BK734021\"}]}}",
		       "unexpected field 'value'");
}

#define ALERT_WITH_FINDING(finding)                                                    \
	"{\"@timestamp\":\"2026-11-22T11:05:10Z\",\"event\":{\"id\":\"e\"},"           \
	"\"agent\":{\"id\":\"ws-1\"},\"rule\":{\"id\":\"r\"},\"raqib\":{\"sequence\":" \
	"42,\"findings\":[" finding "]}}"

static void test_signature_and_masking(void **state)
{
	struct ingest_entry e;
	char reason[256];

	(void)state;
	assert_int_equal(parse_signed("ws-1", "42", GOOD_ALERT, NULL, reason, &e), -EINVAL);
	assert_non_null(strstr(reason, "missing field 'sig'"));
	assert_int_equal(parse_signed("ws-1", "42", GOOD_ALERT, "abc", reason, &e), -EINVAL);
	assert_non_null(strstr(reason, "invalid sig"));
	assert_int_equal(
		parse_signed("ws-1", "42", GOOD_ALERT,
			     "04455ED31AB45732E3CEF47FBAFA9494B44417F34252BDB9C27E8001461EE461",
			     reason, &e),
		-EINVAL);
	/* a value shown in full, or shown then masked then shown, or a long prefix */
	expect_refused("ws-1", "42",
		       ALERT_WITH_FINDING("{\"type\":\"CIN\",\"masked\":\"BK734021\"}"),
		       "masked shows more");
	expect_refused("ws-1", "42",
		       ALERT_WITH_FINDING("{\"type\":\"CIN\",\"masked\":\"BK73**21\"}"),
		       "masked shows more");
	expect_refused(
		"ws-1", "42",
		ALERT_WITH_FINDING("{\"type\":\"RIB\",\"masked\":\"00778*****************\"}"),
		"masked shows more");
	expect_refused("ws-1", "42",
		       ALERT_WITH_FINDING("{\"type\":\"CIN\",\"masked\":\"BK73***\"}"),
		       "masked shows more");
	/* a hash that could carry anything */
	expect_refused("ws-1", "42",
		       ALERT_WITH_FINDING(
			       "{\"type\":\"CIN\",\"masked\":\"BK73****\",\"hash\":\"BK734021\"}"),
		       "hash is not 64");
	/* what the engine gives passes: short values show half */
	assert_int_equal(parse("ws-1", "42",
			       ALERT_WITH_FINDING("{\"type\":\"X\",\"masked\":\"AB****\",\"hash\":"
						  "\"" GOOD_SIG "\"}"),
			       reason, &e),
			 0);
	ingest_entry_release(&e);
}

/* The shape and size checks that run before the signature: nothing parsed yet. */
static void test_head(void **state)
{
	static char big[INGEST_MAX_ALERT_BYTES + 2];
	struct stream_field f[10];
	struct ingest_head h;
	char reason[256];

	(void)state;
	f[0] = (struct stream_field){ "agent", 5, "ws-1", 4 };
	f[1] = (struct stream_field){ "epoch", 5, GOOD_EPOCH, 16 };
	f[2] = (struct stream_field){ "seq", 3, "42", 2 };
	f[3] = (struct stream_field){ "alert", 5, GOOD_ALERT, strlen(GOOD_ALERT) };
	f[4] = (struct stream_field){ "sig", 3, GOOD_SIG, 64 };
	assert_int_equal(ingest_head(f, 5, "ws-1", &h, reason, sizeof(reason)), 0);
	assert_int_equal(h.kind, INGEST_ALERT);
	assert_int_equal(h.sequence, 42);
	assert_string_equal(h.sig, GOOD_SIG);
	assert_ptr_equal(h.body, GOOD_ALERT);
	/* an entry naming another agent than its stream's */
	assert_int_equal(ingest_head(f, 5, "ws-2", &h, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "in the stream of agent 'ws-2'"));
	/* oversized: refused on its size alone */
	memset(big, '{', sizeof(big) - 1);
	f[3] = (struct stream_field){ "alert", 5, big, sizeof(big) - 1 };
	assert_int_equal(ingest_head(f, 5, "ws-1", &h, reason, sizeof(reason)), -E2BIG);
	assert_non_null(strstr(reason, "oversized entry"));
	/* too many fields */
	f[3] = (struct stream_field){ "alert", 5, GOOD_ALERT, strlen(GOOD_ALERT) };
	for (int i = 5; i < 10; i++)
		f[i] = (struct stream_field){ "x", 1, "y", 1 };
	assert_int_equal(ingest_head(f, 10, "ws-1", &h, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "more than"));
	/* a bad epoch */
	f[1] = (struct stream_field){ "epoch", 5, "XYZ", 3 };
	assert_int_equal(ingest_head(f, 5, "ws-1", &h, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "invalid epoch"));
}

static void test_heartbeat(void **state)
{
	static const char hb[] = "{\"status\":\"running\",\"spool.pending\":\"0\"}";
	struct stream_field f[3] = {
		{ "agent", 5, "ws-1", 4 },
		{ "hb", 2, hb, sizeof(hb) - 1 },
		{ "sig", 3, GOOD_SIG, 64 },
	};
	struct ingest_head h;
	char reason[256];
	json_t *doc;

	(void)state;
	assert_int_equal(ingest_head(f, 3, "ws-1", &h, reason, sizeof(reason)), 0);
	assert_int_equal(h.kind, INGEST_HEARTBEAT);
	doc = ingest_heartbeat(&h, reason, sizeof(reason));
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "status")), "running");
	json_decref(doc);
	/* values that are not short strings */
	f[1] = (struct stream_field){ "hb", 2, "{\"a\":1}", 7 };
	assert_int_equal(ingest_head(f, 3, "ws-1", &h, reason, sizeof(reason)), 0);
	assert_null(ingest_heartbeat(&h, reason, sizeof(reason)));
	assert_non_null(strstr(reason, "is not a string"));
	f[1] = (struct stream_field){ "hb", 2, "[]", 2 };
	assert_int_equal(ingest_head(f, 3, "ws-1", &h, reason, sizeof(reason)), 0);
	assert_null(ingest_heartbeat(&h, reason, sizeof(reason)));
}

static void test_timestamps(void **state)
{
	int64_t ts;

	(void)state;
	assert_int_equal(ingest_parse_timestamp("1970-01-01T00:00:00Z", &ts), 0);
	assert_int_equal(ts, 0);
	assert_int_equal(ingest_parse_timestamp("2000-02-29T00:00:00.5Z", &ts), 0);
	assert_int_equal(ts, 951782400500);
	assert_int_equal(ingest_parse_timestamp("2000-02-29T00:00:00.Z", &ts), -EINVAL);
	assert_int_equal(ingest_parse_timestamp("2000-13-01T00:00:00Z", &ts), -EINVAL);
	assert_int_equal(ingest_parse_timestamp("2000-01-01T00:00:00+01:00", &ts), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_entry),
		cmocka_unit_test(test_refused_entries),
		cmocka_unit_test(test_signature_and_masking),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_heartbeat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
