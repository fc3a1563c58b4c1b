// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of Redis key names (include/raqib/keyspace.h): the builders refuse names that
 * would break a key apart, stream keys parse back, and the hash slot is the Redis Cluster
 * specification's (its CRC16 test vector, hash tags).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "raqib/keyspace.h"

static void test_builders(void **state)
{
	char key[RAQIB_KEY_MAX], site[RAQIB_SITE_MAX + 1], agent[65];

	(void)state;
	assert_int_equal(raqib_key_stream("rabat", "ws-042", key, sizeof(key)), 0);
	assert_string_equal(key, "raqib:{s:rabat}:in:ws-042");
	assert_int_equal(raqib_key_parse_stream(key, strlen(key), site, agent), 0);
	assert_string_equal(site, "rabat");
	assert_string_equal(agent, "ws-042");
	assert_int_equal(raqib_key_site("casa", key, sizeof(key)), 0);
	assert_string_equal(key, "raqib:{s:casa}:");
	/* names that would split a key or its hash tag */
	assert_int_equal(raqib_key_stream("ra}bat", "ws", key, sizeof(key)), -EINVAL);
	assert_int_equal(raqib_key_stream("rabat", "ws:1", key, sizeof(key)), -EINVAL);
	assert_int_equal(raqib_key_stream("", "ws", key, sizeof(key)), -EINVAL);
	assert_int_equal(raqib_key_stream("a-site-name-longer-than-32-chars-", "ws", key,
					  sizeof(key)),
			 -EINVAL);
	assert_int_equal(raqib_key_document("ABC", key, sizeof(key)), -EINVAL);
	assert_int_equal(raqib_key_stream("rabat", "ws", key, 10), -ENAMETOOLONG);
	assert_int_equal(raqib_key_parse_stream("raqib:{s:rabat}:a:ws", 20, site, agent), -EINVAL);
	assert_true(raqib_epoch_is_valid("0123456789abcdef", 16));
	assert_false(raqib_epoch_is_valid("0123456789ABCDEF", 16));
}

static void test_slots(void **state)
{
	(void)state;
	/* Redis Cluster specification: CRC16 of "123456789" is 0x31C3 */
	assert_int_equal(raqib_key_slot("123456789", 9), 0x31C3 & 16383);
	/* the same tag, the same slot; an empty tag hashes the whole key */
	assert_int_equal(raqib_key_slot("raqib:{s:rabat}:in:ws-1", 23),
			 raqib_key_slot("raqib:{s:rabat}:a:ws-1:0000000000000001:7", 41));
	assert_int_equal(raqib_key_slot("{s:rabat}", 9), raqib_key_slot("s:rabat", 7));
	assert_int_equal(raqib_key_slot("a{}b", 4), raqib_key_slot("a{}b", 4));
	assert_int_not_equal(raqib_key_slot("a{}b", 4), raqib_key_slot("", 0));
	/* redis-cli CLUSTER KEYSLOT foo = 12182 */
	assert_int_equal(raqib_key_slot("foo", 3), 12182);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builders),
		cmocka_unit_test(test_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
