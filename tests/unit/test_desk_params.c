// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the desk API's request parsing (collector/desk_params.c): every argument type
 * takes what it should and refuses the rest, with a reason that names the argument and never
 * echoes its value; an unknown or repeated argument is refused; times in RFC 3339 with offsets
 * and fractions; an incident change as JSON; clean text (no control character, no bidi
 * override, valid UTF-8).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "desk_params.h"

#define SHA "d37de42e295e97ac18cb770d596c2ba5a74ae3959b9e56d49b1dabba79caec15"

static bool ok(enum desk_param_type type, const char *text)
{
	int64_t num;

	return desk_param_check(type, text, &num);
}

static void test_types(void **state)
{
	int64_t n;

	(void)state;
	assert_true(ok(DESK_P_SITE, "rabat"));
	assert_false(ok(DESK_P_SITE, "rab:at"));
	assert_false(ok(DESK_P_SITE, ""));
	assert_false(ok(DESK_P_SITE, "{s:x}"));
	assert_true(ok(DESK_P_AGENT, "ws-042"));
	assert_false(ok(DESK_P_AGENT, "ws 042"));
	assert_true(ok(DESK_P_USER, "ws-042/1000"));
	assert_false(ok(DESK_P_USER, "ws-042/"));
	assert_false(ok(DESK_P_USER, "ws-042/x"));
	assert_false(ok(DESK_P_USER, "/1000"));
	assert_true(ok(DESK_P_NAME, "Telegram"));
	assert_true(ok(DESK_P_NAME, "واتساب"));
	assert_false(ok(DESK_P_NAME, "a*"));
	assert_false(ok(DESK_P_NAME, "a\x1b[2Jb"));
	assert_true(ok(DESK_P_RULE, "policy.upload.official"));
	assert_false(ok(DESK_P_RULE, "policy upload"));
	assert_true(ok(DESK_P_SHA256, SHA));
	assert_false(ok(DESK_P_SHA256, "D37DE42E295E97AC18CB770D596C2BA5A74AE3959B9E56D49B1DABBA79CAEC15"));
	assert_false(ok(DESK_P_SHA256, "d37de42e"));
	assert_true(desk_param_check(DESK_P_SEVERITY, "high", &n) && n == 73);
	assert_true(desk_param_check(DESK_P_SEVERITY, "50", &n) && n == 50);
	assert_false(ok(DESK_P_SEVERITY, "0"));
	assert_false(ok(DESK_P_SEVERITY, "101"));
	assert_false(ok(DESK_P_SEVERITY, "huge"));
	assert_true(desk_param_check(DESK_P_LIMIT, "500", &n) && n == 500);
	assert_false(ok(DESK_P_LIMIT, "501"));
	assert_false(ok(DESK_P_LIMIT, "0"));
	assert_false(ok(DESK_P_LIMIT, "-1"));
	assert_false(ok(DESK_P_LIMIT, "12abc"));
	assert_true(ok(DESK_P_CURSOR, "1796689761578.3"));
	assert_true(ok(DESK_P_CURSOR, "1796689761578-0"));
	assert_false(ok(DESK_P_CURSOR, "1796689761578 3"));
	assert_true(ok(DESK_P_INCIDENT, "s:rabat:12"));
	assert_true(ok(DESK_P_INCIDENT, "d:" SHA ":1"));
	assert_true(ok(DESK_P_INCIDENT, "v:" SHA ":3"));
	assert_false(ok(DESK_P_INCIDENT, "s:rabat:"));
	assert_false(ok(DESK_P_INCIDENT, "s:rabat:x"));
	assert_false(ok(DESK_P_INCIDENT, "d:1234:1"));
	assert_false(ok(DESK_P_INCIDENT, "x:rabat:1"));
	assert_false(ok(DESK_P_INCIDENT, "s:ra}bat:1"));
	assert_true(ok(DESK_P_STATE, "false_positive"));
	assert_false(ok(DESK_P_STATE, "resolved"));
	assert_true(ok(DESK_P_TIMELINE, "document"));
	assert_false(ok(DESK_P_TIMELINE, "site"));
	assert_true(desk_param_check(DESK_P_FLAG, "", &n) && n == 1);
	assert_true(desk_param_check(DESK_P_FLAG, "0", &n) && n == 0);
	assert_false(ok(DESK_P_FLAG, "yes"));
	assert_true(ok(DESK_P_LANG, "ar"));
	assert_false(ok(DESK_P_LANG, "de"));
}

static void test_times(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(desk_parse_time("2026-12-08T10:00:00Z", &ms), 0);
	assert_true(ms == 1796724000000LL);
	assert_int_equal(desk_parse_time("2026-12-08T11:00:00+01:00", &ms), 0);
	assert_true(ms == 1796724000000LL);
	assert_int_equal(desk_parse_time("2026-12-08T04:30:00.250-05:30", &ms), 0);
	assert_true(ms == 1796724000250LL);
	assert_int_equal(desk_parse_time("2026-12-08", &ms), 0);
	assert_true(ms == 1796688000000LL);
	assert_int_equal(desk_parse_time("1796724000000", &ms), 0);
	assert_true(ms == 1796724000000LL);
	assert_int_equal(desk_parse_time("2026-02-31T00:00:00Z", &ms), -EINVAL);
	assert_int_equal(desk_parse_time("2026-12-08T24:00:00Z", &ms), -EINVAL);
	assert_int_equal(desk_parse_time("2026-12-08T10:00:00", &ms), -EINVAL);
	assert_int_equal(desk_parse_time("2026-12-08 10:00:00Z", &ms), -EINVAL);
	assert_int_equal(desk_parse_time("2026-12-08T10:00:00Zjunk", &ms), -EINVAL);
	assert_int_equal(desk_parse_time("2026-12-08T10:00:00.Z", &ms), -EINVAL);
	assert_int_equal(desk_parse_time("", &ms), -EINVAL);
	assert_int_equal(desk_parse_time("99999999999999999999", &ms), -EINVAL);
}

static const struct desk_param_spec spec[] = {
	{ "from", DESK_P_TIME },
	{ "host", DESK_P_AGENT },
	{ "value", DESK_P_SHA256 },
};

static void test_arguments(void **state)
{
	struct desk_param p[3];
	char reason[DESK_REASON_MAX];
	const struct http_arg good[] = { { "host", "ws-a" }, { "from", "2026-12-08" } };
	const struct http_arg unknown[] = { { "hots", "ws-a" } };
	const struct http_arg twice[] = { { "host", "ws-a" }, { "host", "ws-b" } };
	const struct http_arg bad[] = { { "value", "BK734021" } };
	const struct http_arg hostile[] = { { "\x1b[31mx'y", "1" } };

	(void)state;
	assert_int_equal(desk_params_parse(good, 2, spec, 3, p, reason, sizeof(reason)), 0);
	assert_true(p[1].set && strcmp(p[1].text, "ws-a") == 0);
	assert_true(p[0].set && p[0].num == 1796688000000LL);
	assert_false(p[2].set);
	assert_int_equal(desk_params_parse(unknown, 1, spec, 3, p, reason, sizeof(reason)), -EINVAL);
	assert_string_equal(reason, "unknown argument 'hots'");
	assert_int_equal(desk_params_parse(twice, 2, spec, 3, p, reason, sizeof(reason)), -EINVAL);
	assert_string_equal(reason, "argument 'host' given twice");
	/* a reason names the argument, never the value: it may be what an investigator typed */
	assert_int_equal(desk_params_parse(bad, 1, spec, 3, p, reason, sizeof(reason)), -EINVAL);
	assert_string_equal(reason, "argument 'value': expected 64 lower-case hex digits");
	assert_null(strstr(reason, "BK734021"));
	assert_int_equal(desk_params_parse(hostile, 1, spec, 3, p, reason, sizeof(reason)), -EINVAL);
	assert_null(strchr(reason, '\x1b'));
}

static void test_incident_change(void **state)
{
	struct desk_incident_change ch;
	char reason[DESK_REASON_MAX];
	const char *good = "{\"state\":\"confirmed\",\"assignee\":\"amina\",\"note\":\"sent to the CNDP\\nline 2\"}";
	const char *cases[] = {
		"",
		"[]",
		"{}",
		"{\"state\":\"resolved\"}",
		"{\"state\":1}",
		"{\"assignee\":\"a b\"}",
		"{\"note\":\"   \"}",
		"{\"note\":\"a\\u001b[2Jb\"}",
		"{\"note\":\"a\\u202eb\"}",
		"{\"note\":\"a\\u0000b\"}",
		"{\"color\":\"red\"}",
		"{\"state\":\"new\",\"state\":\"closed\"}",
		"{\"state\":\"new\"",
	};

	(void)state;
	assert_int_equal(desk_params_incident_change(good, strlen(good), &ch, reason, sizeof(reason)), 0);
	assert_string_equal(ch.state, "confirmed");
	assert_true(ch.has_assignee);
	assert_string_equal(ch.assignee, "amina");
	assert_string_equal(ch.note, "sent to the CNDP\nline 2");
	assert_int_equal(desk_params_incident_change("{\"assignee\":\"\"}", 15, &ch, reason, sizeof(reason)), 0);
	assert_true(ch.has_assignee && ch.assignee[0] == '\0');
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reason[0] = '\0';
		if (desk_params_incident_change(cases[i], strlen(cases[i]), &ch, reason, sizeof(reason)) != -EINVAL)
			fail_msg("accepted: %s", cases[i]);
		assert_true(reason[0] != '\0');
	}
}

static void test_clean_text(void **state)
{
	(void)state;
	assert_true(desk_text_is_clean("ok", 2, false));
	assert_true(desk_text_is_clean("\xd8\xb1\xd9\x82\xd9\x8a\xd8\xa8", 8, false)); /* رقيب */
	assert_true(desk_text_is_clean("a\nb", 3, true));
	assert_false(desk_text_is_clean("a\nb", 3, false));
	assert_false(desk_text_is_clean("a\x7f", 2, true));
	assert_false(desk_text_is_clean("\xc2\x9b", 2, true)); /* C1 CSI */
	assert_false(desk_text_is_clean("\xe2\x80\xae", 3, true)); /* U+202E */
	assert_false(desk_text_is_clean("\xe2\x81\xa6", 3, true)); /* U+2066 */
	assert_false(desk_text_is_clean("\xc0\xaf", 2, true)); /* overlong '/' */
	assert_false(desk_text_is_clean("\xed\xa0\x80", 3, true)); /* a surrogate */
	assert_false(desk_text_is_clean("\xe2\x82", 2, true)); /* cut */
	assert_false(desk_text_is_clean("\xff", 1, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_incident_change),
		cmocka_unit_test(test_clean_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
