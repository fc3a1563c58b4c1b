// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the detection engine's public API (include/raqib/rules.h) with the built-in
 * rules: CIN with context, RIB with its mod-97 key, masking, distinct counting, chunked feeding.
 * Every identifier here is synthetic; RIB keys were computed with the spec's formula.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "raqib/rules.h"
#include "raqib/schema.h"

/* 0077800001234567890123 + key 96: valid. */
#define RIB_OK "007780000123456789012396"
#define RIB_BAD "007780000123456789012397"

static int setup(void **state)
{
	struct rules_error err;
	struct rules *rules = rules_new_builtin(&err);

	if (!rules)
		return -1;
	*state = rules;
	return 0;
}

static int teardown(void **state)
{
	rules_free(*state);
	return 0;
}

static size_t count_type(const struct rules_verdict *v, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n_findings; i++)
		n += strcmp(v->findings[i].type, type) == 0;
	return n;
}

static struct rules_verdict scan_text(void **state, const char *text)
{
	struct rules_verdict v;

	assert_int_equal(rules_scan_buffer(*state, text, strlen(text), &v), 0);
	return v;
}

static void test_cin_needs_context(void **state)
{
	struct rules_verdict v = scan_text(state, "titulaire de la CIN n\xc2\xb0 BK734021, ne le");

	assert_int_equal(count_type(&v, "CIN"), 1);
	assert_string_equal(v.findings[0].masked, "BK73****");
	assert_string_equal(v.findings[0].value, "BK734021");
	rules_verdict_release(&v);

	v = scan_text(state, "reference produit BK734021 en stock");
	assert_int_equal(count_type(&v, "CIN"), 0);
	rules_verdict_release(&v);
}

static void test_cin_context_is_a_whole_word(void **state)
{
	/* "cin" inside "medecin" is not a context word */
	struct rules_verdict v = scan_text(state, "le medecin BK734021 a signe");

	assert_int_equal(count_type(&v, "CIN"), 0);
	rules_verdict_release(&v);
}

static void test_cin_arabic_context_with_particle(void **state)
{
	/* الحامل للبطاقة الوطنية رقم AB123456: the article is fused with the preposition */
	struct rules_verdict v = scan_text(state,
		"\xd8\xa7\xd9\x84\xd8\xad\xd8\xa7\xd9\x85\xd9\x84 "
		"\xd9\x84\xd9\x84\xd8\xa8\xd8\xb7\xd8\xa7\xd9\x82\xd8\xa9 "
		"\xd8\xa7\xd9\x84\xd9\x88\xd8\xb7\xd9\x86\xd9\x8a\xd8\xa9 "
		"\xd8\xb1\xd9\x82\xd9\x85 AB123456");

	assert_int_equal(count_type(&v, "CIN"), 1);
	rules_verdict_release(&v);
}

static void test_cin_boundaries(void **state)
{
	struct rules_verdict v = scan_text(state, "CIN: XAB123456 CIN: AB1234567 CIN: J456789");

	assert_int_equal(count_type(&v, "CIN"), 1);
	assert_string_equal(v.findings[0].value, "J456789");
	rules_verdict_release(&v);
}

static void test_rib_key(void **state)
{
	struct rules_verdict v = scan_text(state, "RIB : " RIB_OK " et " RIB_BAD);

	assert_int_equal(count_type(&v, "RIB"), 1);
	assert_string_equal(v.findings[0].value, RIB_OK);
	assert_string_equal(v.findings[0].masked, "0077********************");
	rules_verdict_release(&v);
}

static void test_rib_with_separators(void **state)
{
	struct rules_verdict v = scan_text(state, "compte 007 780 0001234567890123 96.");

	assert_int_equal(count_type(&v, "RIB"), 1);
	assert_string_equal(v.findings[0].value, RIB_OK);
	rules_verdict_release(&v);
}

static void test_rib_inside_longer_number_is_not_a_rib(void **state)
{
	struct rules_verdict v = scan_text(state, "suivi 1" RIB_OK "5");

	assert_int_equal(count_type(&v, "RIB"), 0);
	rules_verdict_release(&v);
}

static void test_distinct_values_counted_once(void **state)
{
	struct rules_verdict v =
		scan_text(state, "CIN BK734021\nCIN BK734021\nCIN : JA501287\n" RIB_OK);

	assert_int_equal(count_type(&v, "CIN"), 2);
	assert_int_equal(count_type(&v, "RIB"), 1);
	assert_int_equal(v.findings[0].occurrences, 2);
	assert_true(rules_verdict_is_sensitive(&v));
	rules_verdict_release(&v);
	assert_null(v.findings);
	assert_int_equal(v.n_findings, 0);
}

static void test_chunks_match_like_one_buffer(void **state)
{
	const char *text = "CIN : BK734021 RIB " RIB_OK;
	struct rules_scan *scan = rules_scan_new(*state);
	struct rules_verdict v;

	assert_non_null(scan);
	/* one byte at a time: a finding split across every chunk border */
	for (size_t i = 0; text[i]; i++)
		assert_int_equal(rules_scan_feed(scan, text + i, 1), 0);
	assert_int_equal(rules_scan_finish(scan, &v), 0);
	assert_int_equal(count_type(&v, "CIN"), 1);
	assert_int_equal(count_type(&v, "RIB"), 1);
	rules_verdict_release(&v);

	/* the context serves a new stream after finish */
	assert_int_equal(rules_scan_feed(scan, "rien", 4), 0);
	assert_int_equal(rules_scan_finish(scan, &v), 0);
	assert_int_equal(v.n_findings, 0);
	assert_false(rules_verdict_is_sensitive(&v));
	rules_verdict_release(&v);
	rules_scan_free(scan);
}

static void test_empty_input(void **state)
{
	struct rules_verdict v;

	assert_int_equal(rules_scan_buffer(*state, "", 0, &v), 0);
	assert_int_equal(v.n_findings, 0);
	rules_verdict_release(&v);
	rules_verdict_release(NULL);
	rules_scan_free(NULL);
}

static void test_level_names(void **state)
{
	(void)state;
	assert_null(rules_level_name(RULES_LEVEL_NONE));
	assert_string_equal(rules_level_name(RULES_LEVEL_TOP_SECRET), "TOP_SECRET");
	assert_string_equal(rules_level_name(RULES_LEVEL_RESTRICTED), "RESTRICTED");
}

static void test_app_catalog(void **state)
{
	struct in_addr telegram_dc, other;
	size_t n = 0;
	const char *const *names = rules_app_exe_names(*state, &n);

	assert_true(n > 5);
	assert_non_null(names[0]);
	assert_string_equal(rules_app_by_exe(*state, "/usr/bin/telegram-desktop")->id, "telegram");
	assert_string_equal(rules_app_by_exe(*state, "/opt/Signal/signal-desktop")->name, "Signal");
	assert_null(rules_app_by_exe(*state, "/usr/bin/cat"));
	/* comm keeps 15 bytes: "telegram-desktop" becomes "telegram-deskto" */
	assert_string_equal(rules_app_by_comm(*state, "telegram-deskto")->id, "telegram");
	assert_null(rules_app_by_comm(*state, "telegram-desk"));
	assert_string_equal(rules_app_by_server_name(*state, "mmg-fna.whatsapp.net")->id, "whatsapp");
	assert_null(rules_app_by_server_name(*state, "notwhatsapp.net"));
	assert_string_equal(rules_app_by_ndpi(*state, "TLS.WhatsAppFiles")->id, "whatsapp");
	assert_null(rules_app_by_ndpi(*state, "TLS.Google"));
	assert_int_equal(inet_pton(AF_INET, "91.108.56.130", &telegram_dc), 1);
	assert_int_equal(inet_pton(AF_INET, "91.108.60.1", &other), 1);
	assert_string_equal(rules_app_by_ip(*state, AF_INET, &telegram_dc)->id, "telegram");
	assert_null(rules_app_by_ip(*state, AF_INET, &other));
	assert_int_equal(rules_app_by_exe(*state, "/usr/bin/firefox")->kind, RULES_APP_BROWSER);
}

static void test_decide(void **state)
{
	struct rules_verdict v = scan_text(state, "CIN : BK734021");
	struct rules_event_info info = { .event = RULES_EVENT_FILE_READ };
	struct rules_decision d;

	assert_int_equal(rules_decide(*state, &v, &info, &d), 0);
	assert_true(d.matched);
	assert_int_equal(d.mode, RULES_MODE_ALERT);
	assert_string_equal(d.rule_id, "raqib.file.sensitive_read_by_messaging_app");
	assert_int_equal(d.severity, RAQIB_SEVERITY_MEDIUM);
	v.level = RULES_LEVEL_TOP_SECRET;
	assert_int_equal(rules_decide(*state, &v, &info, &d), 0);
	assert_int_equal(d.severity, RAQIB_SEVERITY_CRITICAL);
	rules_verdict_release(&v);
	v = scan_text(state, "rien de personnel");
	assert_int_equal(rules_decide(*state, &v, &info, &d), 0);
	assert_false(d.matched);
	rules_verdict_release(&v);
	assert_int_equal(strlen(rules_hash(*state)), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cin_needs_context),
		cmocka_unit_test(test_cin_context_is_a_whole_word),
		cmocka_unit_test(test_cin_arabic_context_with_particle),
		cmocka_unit_test(test_cin_boundaries),
		cmocka_unit_test(test_rib_key),
		cmocka_unit_test(test_rib_with_separators),
		cmocka_unit_test(test_rib_inside_longer_number_is_not_a_rib),
		cmocka_unit_test(test_distinct_values_counted_once),
		cmocka_unit_test(test_chunks_match_like_one_buffer),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_app_catalog),
		cmocka_unit_test(test_decide),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
