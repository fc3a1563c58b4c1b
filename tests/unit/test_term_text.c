// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of collector/term_text.c: what raqibctl prints from alerts cannot drive the
 * terminal (escape sequences, C1 controls), hide itself (bidi overrides) or break a line; text
 * in any script stays as it is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "term_text.h"

static void check(const char *in, const char *want, size_t replaced)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", in);
	assert_int_equal(term_text_clean(buf), replaced);
	assert_string_equal(buf, want);
}

static void test_clean(void **state)
{
	(void)state;
	check("/home/amina/Documents/liste.xlsx", "/home/amina/Documents/liste.xlsx", 0);
	check("\xd8\xb1\xd9\x82\xd9\x8a\xd8\xa8.pdf", "\xd8\xb1\xd9\x82\xd9\x8a\xd8\xa8.pdf", 0);
	check("r\xc3\xa9sum\xc3\xa9.docx", "r\xc3\xa9sum\xc3\xa9.docx", 0);
	/* ESC [2J clears the screen; OSC 0 sets the title; BEL */
	check("a\x1b[2Jb", "a?[2Jb", 1);
	check("\x1b]0;pwned\x07x", "?]0;pwned?x", 2);
	/* one field, one line */
	check("line\nfake row\r", "line?fake row?", 2);
	check("tab\there", "tab?here", 1);
	check("del\x7f", "del?", 1);
	/* C1 CSI (U+009B) as UTF-8, and as a lone byte */
	check("a\xc2\x9b" "31mb", "a?31mb", 1);
	check("a\x9b" "31mb", "a?31mb", 1);
	/* "photo<RLO>gpj.exe" shows as "photoexe.jpg" */
	check("photo\xe2\x80\xaegpj.exe", "photo?gpj.exe", 1);
	check("x\xe2\x81\xa6y\xe2\x81\xa9", "x?y?", 2);
	/* not UTF-8: overlong, cut, stray */
	check("\xc0\xaf", "??", 2);
	check("ab\xe2\x82", "ab??", 2);
	check("\xff\xfe", "??", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
