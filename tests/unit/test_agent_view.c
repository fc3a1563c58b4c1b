// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of raqibctl's agent rows (agent_view) and of the ACL command an agent gets
 * (agent_acl): status from heartbeats, sensors, counters, JSON; the ACL's rights.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent_acl.h"
#include "agent_view.h"

#define F(n, v)                                    \
	{                                          \
		n, sizeof(n) - 1, v, sizeof(v) - 1 \
	}

static const struct stream_field hb[] = {
	F("version", "0.1.0"),
	F("status", "running"),
	F("ts", "1000000"),
	F("interval_ms", "5000"),
	F("rules_hash", "6c3c74c99edd1dfebe9228b2"),
	F("sensor.bpf", "attached"),
	F("sensor.pcap", "degraded: no capture device"),
	F("outbox.sent", "41"),
	F("spool.pending", "2"),
	F("outbox.refused", "0"),
	F("outbox.last_seq", "43"),
};

static const struct stream_field seq[] = {
	F("stored", "40"),
	F("missing", "1"),
};

static void test_rows(void **state)
{
	struct agent_row row;
	json_t *doc;

	(void)state;
	agent_view_row("ws-1", hb, 11, seq, 2, 1012000, &row);
	assert_string_equal(row.id, "ws-1");
	assert_string_equal(row.status, "degraded"); /* a degraded sensor */
	assert_string_equal(row.seen, "12s ago");
	assert_string_equal(row.rules, "6c3c74c99edd");
	assert_string_equal(row.sensors, "bpf:attached pcap:degraded");
	assert_string_equal(row.sent, "41");
	assert_string_equal(row.spool, "2");
	assert_string_equal(row.last_seq, "43");
	assert_string_equal(row.stored, "40");
	assert_string_equal(row.missing, "1");
	/* three intervals without a heartbeat: silent */
	agent_view_row("ws-1", hb, 11, seq, 2, 1000000 + 15001, &row);
	assert_string_equal(row.status, "silent");
	/* all sensors attached */
	agent_view_row("ws-1", hb, 6, NULL, 0, 1001000, &row);
	assert_string_equal(row.status, "ok");
	assert_string_equal(row.stored, "0");
	assert_string_equal(row.sent, "-");
	/* alerts but no heartbeat */
	agent_view_row("ws-2", NULL, 0, seq, 2, 1001000, &row);
	assert_string_equal(row.status, "unknown");
	assert_string_equal(row.seen, "never");
	doc = agent_view_json("ws-1", hb, 11, seq, 2, 1012000);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "status")), "degraded");
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "heartbeat"),
							      "outbox.sent")),
			    "41");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(doc, "collector"), "missing")),
		"1");
	json_decref(doc);
}

static void test_stopped(void **state)
{
	const struct stream_field stopped[] = { F("status", "stopped"), F("ts", "1") };
	struct agent_row row;

	(void)state;
	agent_view_row("ws-1", stopped, 2, NULL, 0, 99999999, &row);
	assert_string_equal(row.status, "stopped");
}

static void test_acl(void **state)
{
	char line[1024];

	(void)state;
	assert_int_equal(agent_acl_setuser("ws-1", "rabat", "secret", line, sizeof(line)), 0);
	/* echo -n secret | sha256sum */
	assert_non_null(strstr(
		line,
		"ACL SETUSER raqib-agent-ws-1 reset on \"#2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b\""));
	assert_non_null(strstr(line, " -@all "));
	/* its own stream, write only, and nothing else to write */
	assert_non_null(strstr(line, "+xadd \"%W~raqib:{s:rabat}:in:ws-1\""));
	assert_null(strstr(line, "+hset"));
	assert_null(strstr(line, "+del"));
	assert_null(strstr(line, "+xtrim"));
	assert_non_null(strstr(line, "%R~raqib:rules:*)"));
	assert_null(strstr(line, "secret"));
	assert_int_equal(agent_acl_setuser("ws-1", "rabat", "secret", line, 40), -ENAMETOOLONG);
	assert_int_equal(agent_acl_setuser("ws-1", "ra:bat", "secret", line, sizeof(line)),
			 -EINVAL);
	assert_int_equal(agent_acl_registry("ws-1", "rabat", line, sizeof(line)), 0);
	assert_string_equal(line, "HSET raqib:registry ws-1 rabat\nSADD raqib:sites rabat");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_stopped),
		cmocka_unit_test(test_acl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
