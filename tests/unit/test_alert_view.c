// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of raqibctl's table rows: columns filled from an alert, long paths cut at the front. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alert_view.h"

static const char file_alert[] =
	"{\"@timestamp\":\"2026-11-22T11:07:32.001Z\",\"event\":{\"severity\":73},"
	"\"host\":{\"name\":\"ws-1\"},\"process\":{\"pid\":5411,\"name\":\"telegram-deskto\"},"
	"\"file\":{\"path\":\"/home/agent/Documents/very/long/directory/name/beneficiaires.txt\"},"
	"\"rule\":{\"id\":\"raqib.file.sensitive_read_by_messaging_app\"},"
	"\"raqib\":{\"app\":\"Telegram\",\"findings\":[{\"type\":\"CIN\"},{\"type\":\"RIB\"},"
	"{\"type\":\"CIN\"}],\"document\":{\"official\":true,\"level\":\"SECRET\"}}}";

static void test_row_fields(void **state)
{
	struct alert_row row;

	(void)state;
	assert_int_equal(alert_view_row(file_alert, strlen(file_alert), &row), 0);
	assert_string_equal(row.time, "2026-11-22 11:07:32");
	assert_string_equal(row.severity, "high");
	assert_string_equal(row.host, "ws-1");
	assert_string_equal(row.who, "Telegram (pid 5411)");
	assert_string_equal(row.findings, "CIN:2 RIB:1 official SECRET");
	assert_string_equal(row.rule, "raqib.file.sensitive_read_by_messaging_app");
	assert_int_equal(alert_view_row("[]", 2, &row), -EINVAL);
	assert_int_equal(alert_view_row("{", 1, &row), -EINVAL);
}

static void test_long_path_keeps_file_name(void **state)
{
	struct alert_row row;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(alert_view_row(file_alert, strlen(file_alert), &row), 0);
	alert_view_print_header(f);
	alert_view_print_row(f, &row);
	fclose(f);
	assert_non_null(strstr(out, "TIME (UTC)"));
	assert_non_null(strstr(out, "...")); /* the path was cut */
	assert_non_null(strstr(out, "name/beneficiaires.txt"));
	assert_null(strstr(out, "/home/agent/Documents"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_fields),
		cmocka_unit_test(test_long_path_keeps_file_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
