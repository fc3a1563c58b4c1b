// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of raqibctl find's core (collector/value_search.c): a value typed by an
 * investigator, in any usual form, hashes to the very hash the agent put in its alert for the
 * value found in a document; the stored alert is matched on type and hash; text that holds no
 * identifier gives nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "raqib/keys.h"
#include "raqib/rules.h"
#include "value_search.h"

static struct raqib_key key;

/* The hash the agent gives the first finding of type in a document (outbox/alert.c). */
static void agent_hash(const struct rules *r, const char *doc, const char *type, char *out)
{
	struct rules_verdict v;
	bool found = false;

	assert_int_equal(rules_scan_buffer(r, doc, strlen(doc), &v), 0);
	for (size_t i = 0; i < v.n_findings && !found; i++) {
		if (strcmp(v.findings[i].type, type))
			continue;
		assert_int_equal(raqib_value_hash(&key, type, v.findings[i].value, out), 0);
		found = true;
	}
	rules_verdict_release(&v);
	assert_true(found);
}

static void assert_finds(const struct rules *r, const char *typed, const char *type,
			 const char *want_hash)
{
	struct value_hash h[8];
	int n = value_search_hashes(r, &key, typed, h, 8);
	bool found = false;

	assert_true(n > 0);
	for (int i = 0; i < n; i++)
		found |= !strcmp(h[i].type, type) && !strcmp(h[i].hash, want_hash);
	if (!found)
		fail_msg("'%s' does not hash like the %s the agent found", typed, type);
}

static void test_typed_forms(void **state)
{
	const struct rules *r = *state;
	char cin[RAQIB_MAC_HEX_BYTES], phone[RAQIB_MAC_HEX_BYTES], rib[RAQIB_MAC_HEX_BYTES];

	agent_hash(r, "Titulaire de la CIN n\xc2\xb0 BK734021, domicili\xc3\xa9 \xc3\xa0 Rabat.\n",
		   "CIN", cin);
	agent_hash(r, "T\xc3\xa9l : 06 12 34 56 78\n", "PHONE_MA", phone);
	agent_hash(r, "RIB : 007 780 0001234567890123 96\n", "RIB", rib);
	assert_finds(r, "BK734021", "CIN", cin);
	assert_finds(r, "BK 734021", "CIN", cin);
	assert_finds(r, "bk-734021", "CIN", cin);
	assert_finds(r, "+212612345678", "PHONE_MA", phone);
	assert_finds(r, "00212 6 12 34 56 78", "PHONE_MA", phone);
	assert_finds(r, "0612345678", "PHONE_MA", phone);
	assert_finds(r, "007780000123456789012396", "RIB", rib);
}

static void test_nothing_to_find(void **state)
{
	struct value_hash h[4];
	char long_text[600];

	assert_int_equal(value_search_hashes(*state, &key, "bonjour", h, 4), 0);
	assert_int_equal(value_search_hashes(*state, &key, "123", h, 4), 0);
	/* a RIB with a wrong key is no RIB */
	assert_int_equal(value_search_hashes(*state, &key, "007780000123456789012397", h, 4), 0);
	memset(long_text, 'A', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	assert_true(value_search_hashes(*state, &key, long_text, h, 4) < 0);
}

static void test_alert_match(void **state)
{
	struct value_hash h[1];
	char json[512];

	assert_int_equal(value_search_hashes(*state, &key, "BK734021", h, 1), 1);
	snprintf(json, sizeof(json),
		 "{\"raqib\":{\"findings\":[{\"type\":\"RIB\",\"hash\":\"00\"},"
		 "{\"type\":\"CIN\",\"masked\":\"BK73****\",\"hash\":\"%s\"}]}}",
		 h[0].hash);
	assert_true(value_search_alert_matches(json, strlen(json), h, 1));
	/* the same hash under another type is another value */
	snprintf(json, sizeof(json), "{\"raqib\":{\"findings\":[{\"type\":\"CNSS\",\"hash\":\"%s\"}]}}",
		 h[0].hash);
	assert_false(value_search_alert_matches(json, strlen(json), h, 1));
	assert_false(value_search_alert_matches("{\"raqib\":{}}", 12, h, 1));
	assert_false(value_search_alert_matches("not json", 8, h, 1));
}

static int setup(void **state)
{
	struct rules_error err;

	for (size_t i = 0; i < sizeof(key.bytes); i++)
		key.bytes[i] = (unsigned char)(i * 7 + 1);
	*state = rules_new_builtin(&err);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	rules_free(*state);
	raqib_key_wipe(&key);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_forms),
		cmocka_unit_test(test_nothing_to_find),
		cmocka_unit_test(test_alert_match),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
