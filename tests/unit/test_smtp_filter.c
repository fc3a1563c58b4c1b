// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the SMTP client-stream filter: only the message body passes (not the commands,
 * not the header section), the end of data is found when split across segments, and a second
 * message in the same session passes too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/smtp_filter.h"

struct sink {
	char buf[1024];
	size_t len;
};

static int collect(void *ctx, const uint8_t *data, size_t len)
{
	struct sink *s = ctx;

	assert_true(s->len + len < sizeof(s->buf));
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return 0;
}

static const char session[] = "EHLO client\r\n"
			      "MAIL FROM:<a@example.org>\r\n"
			      "RCPT TO:<b@example.org>\r\n"
			      "DATA\r\n"
			      "To: b@example.org\r\n"
			      "Subject: liste\r\n"
			      "\r\n"
			      "CIN BK734021\r\n"
			      ".\r\n"
			      "MAIL FROM:<c@example.org>\r\n"
			      "data\r\n"
			      "Subject: two\r\n"
			      "\r\n"
			      "second body\r\n"
			      ".\r\n"
			      "QUIT\r\n";

static void test_body_only(void **state)
{
	struct smtp_filter f = { 0 };
	struct sink s = { 0 };

	(void)state;
	assert_int_equal(smtp_filter_feed(&f, (const uint8_t *)session, strlen(session), collect, &s),
			 0);
	assert_non_null(strstr(s.buf, "CIN BK734021"));
	assert_non_null(strstr(s.buf, "second body"));
	assert_null(strstr(s.buf, "example.org"));
	assert_null(strstr(s.buf, "Subject"));
	assert_null(strstr(s.buf, "QUIT"));
}

static void test_split_everywhere(void **state)
{
	struct smtp_filter f = { 0 };
	struct sink s = { 0 };

	(void)state;
	/* one byte per segment: DATA, the blank line and the final dot all cut */
	for (size_t i = 0; session[i]; i++)
		assert_int_equal(smtp_filter_feed(&f, (const uint8_t *)session + i, 1, collect, &s), 0);
	assert_non_null(strstr(s.buf, "CIN BK734021"));
	assert_non_null(strstr(s.buf, "second body"));
	assert_null(strstr(s.buf, "example.org"));
	assert_null(strstr(s.buf, "QUIT"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_only),
		cmocka_unit_test(test_split_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
