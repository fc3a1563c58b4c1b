// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the awareness notice's words (notify/notice_text.h): the session's language
 * from the environment as gettext orders it, the three languages, the document's name escaped
 * for the notification's markup and never read as a placeholder, and lines that are not notices.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "notice_text.h"

static const char *const *env_now;

static const char *fake_env(const char *name)
{
	for (const char *const *e = env_now; *e; e += 2)
		if (!strcmp(e[0], name))
			return e[1];
	return NULL;
}

static enum notice_lang lang_of(const char *const *env)
{
	env_now = env;
	return notice_lang_of_env(fake_env);
}

static void test_language(void **state)
{
	(void)state;
	assert_int_equal(lang_of((const char *const[]){ NULL }), NOTICE_LANG_EN);
	assert_int_equal(lang_of((const char *const[]){ "LANG", "fr_FR.UTF-8", NULL }),
			 NOTICE_LANG_FR);
	assert_int_equal(lang_of((const char *const[]){ "LANG", "ar_MA.UTF-8", NULL }),
			 NOTICE_LANG_AR);
	/* LANGUAGE first, then LC_ALL, LC_MESSAGES, LANG */
	assert_int_equal(
		lang_of((const char *const[]){ "LANG", "fr_FR.UTF-8", "LANGUAGE", "ar:fr", NULL }),
		NOTICE_LANG_AR);
	assert_int_equal(lang_of((const char *const[]){ "LC_MESSAGES", "en_GB.UTF-8", "LANG",
							"fr_FR.UTF-8", NULL }),
			 NOTICE_LANG_EN);
	/* C says nothing of a language */
	assert_int_equal(
		lang_of((const char *const[]){ "LC_ALL", "C.UTF-8", "LANG", "ar_MA.UTF-8", NULL }),
		NOTICE_LANG_AR);
}

#define LINE(doc, kind)                                                                 \
	"{\"v\":1,\"kind\":\"" kind "\",\"document\":\"" doc "\",\"app\":\"WhatsApp\"," \
	"\"rule_id\":\"policy.x\",\"rule_name\":\"Rule X\",\"guidance\":\"circulaire 2019\"}"

static void test_format(void **state)
{
	struct notice_text t;
	const char *upload = LINE("a <b>&{app}.docx", "upload"), *read = LINE("x.pdf", "read");

	(void)state;
	assert_int_equal(notice_text_format(upload, strlen(upload), NOTICE_LANG_FR, &t), 0);
	assert_string_equal(t.title, "Document protégé envoyé par WhatsApp");
	assert_non_null(strstr(
		t.body,
		"« a &lt;b&gt;&amp;{app}.docx » a quitté cet ordinateur par WhatsApp (règle : Rule X)."));
	assert_non_null(strstr(t.body, "Voir : circulaire 2019"));
	assert_int_equal(notice_text_format(read, strlen(read), NOTICE_LANG_AR, &t), 0);
	assert_string_equal(t.title, "وثيقة محمية فتحها WhatsApp");
	assert_non_null(strstr(t.body, "فتح WhatsApp الوثيقة «x.pdf»"));
	assert_int_equal(notice_text_format(read, strlen(read), NOTICE_LANG_EN, &t), 0);
	assert_string_equal(t.title, "Protected document opened by WhatsApp");
	assert_non_null(strstr(t.body, "See: circulaire 2019"));
	assert_int_equal(notice_text_format("{}", 2, NOTICE_LANG_EN, &t), -EINVAL);
	assert_int_equal(notice_text_format("garbage", 7, NOTICE_LANG_EN, &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_language),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
