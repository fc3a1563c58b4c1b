// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the stored documents' encoding (collector/doc_codec.h): a round trip, the same
 * bytes for the same document (duplicates are found by comparing them), a real alert shrunk
 * well below its JSON, plain JSON read as it is, and damaged input refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "doc_codec.h"

static const char alert[] =
	"{\"@timestamp\":\"2026-11-22T10:54:11.123Z\",\"event\":{\"id\":\"3f1c2a90-5b7e-4c1d-9e2f-0a1b2c3d4e5f\",\"kind\":\"alert\",\"module\":\"raqib\",\"dataset\":\"raqib.file\",\"category\":[\"file\"],\"severity\":73,\"created\":\"2026-11-22T10:54:11.200Z\"},"
	"\"host\":{\"name\":\"ws-042.example\"},\"agent\":{\"id\":\"ws-042\",\"type\":\"raqib-agent\",\"version\":\"0.1.0\"},"
	"\"rule\":{\"id\":\"policy.read.classified\",\"name\":\"Classified document read by a messaging app\",\"version\":\"1\"},"
	"\"process\":{\"pid\":4242,\"name\":\"telegram-deskto\",\"executable\":\"/usr/bin/telegram-desktop\",\"parent\":{\"pid\":1}},\"user\":{\"id\":\"1000\"},"
	"\"file\":{\"path\":\"/home/agent/Documents/note.odt\",\"size\":18342,\"hash\":{\"sha256\":\"1316b42be4c0a4a89a497b78bcd6616e8c131806083f43e37b2afac02ebe404d\"}},"
	"\"raqib\":{\"schema_version\":2,\"sequence\":42,\"confidence\":\"medium\",\"why\":\"a messaging app opened a file holding personal data\",\"rules_hash\":\"fa59628adedc18f51d8d4966c1954c8f3d2340b7a40901a8533587ebfe3ac331\",\"value_key_id\":\"9aedb6baf55ad57a\",\"app\":\"Telegram\","
	"\"findings\":[{\"type\":\"CIN\",\"rule_id\":\"pii.cin\",\"masked\":\"BK******\",\"occurrences\":2,\"score\":0.8,\"hash\":\"878c99502c4272b99aba8fb57774ecc60685e83d7043d841faa732e0446e93fa\"}],"
	"\"document\":{\"official\":true,\"level\":\"CONFIDENTIAL\"}}}";

static void test_round_trip(void **state)
{
	struct doc_packer *p = doc_packer_new();
	char *packed, *again, *json;
	size_t plen, alen, jlen;

	(void)state;
	assert_non_null(p);
	assert_int_equal(doc_pack(p, alert, sizeof(alert) - 1, &packed, &plen), 0);
	assert_int_equal(doc_pack(p, alert, sizeof(alert) - 1, &again, &alen), 0);
	assert_int_equal(plen, alen);
	assert_memory_equal(packed, again, plen);
	/* the dictionary and DEFLATE: well under half of the JSON */
	assert_true(plen < (sizeof(alert) - 1) / 2);
	assert_int_equal(doc_unpack(packed, plen, &json, &jlen), 0);
	assert_int_equal(jlen, sizeof(alert) - 1);
	assert_string_equal(json, alert);
	free(json);
	/* damaged */
	packed[plen / 2] ^= 0x55;
	if (doc_unpack(packed, plen, &json, &jlen) == 0) {
		assert_string_not_equal(json, alert);
		free(json);
	}
	packed[0] = 'x';
	assert_int_equal(doc_unpack(packed, plen, &json, &jlen), -EINVAL);
	assert_int_equal(doc_unpack(packed, 1, &json, &jlen), -EINVAL);
	free(packed);
	free(again);
	doc_packer_free(p);
}

static void test_plain(void **state)
{
	char *json;
	size_t len;

	(void)state;
	assert_int_equal(doc_unpack("{\"a\":1}", 7, &json, &len), 0);
	assert_string_equal(json, "{\"a\":1}");
	assert_int_equal(len, 7);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
