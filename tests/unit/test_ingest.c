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

static int parse(const char *agent, const char *seq, const char *alert, char *reason,
		 struct ingest_entry *e)
{
	struct stream_field f[3];
	size_t n = 0;

	if (agent)
		f[n++] = (struct stream_field){ "agent", 5, agent, strlen(agent) };
	if (seq)
		f[n++] = (struct stream_field){ "seq", 3, seq, strlen(seq) };
	if (alert)
		f[n++] = (struct stream_field){ "alert", 5, alert, strlen(alert) };
	return ingest_parse(f, n, e, reason, 256);
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
		cmocka_unit_test(test_timestamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
