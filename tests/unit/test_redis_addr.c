// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the Redis endpoint parsing shared by the three binaries (--redis, RAQIB_REDIS). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "raqib/redis_conn.h"

static void test_host_port(void **state)
{
	struct raqib_redis_addr a;

	(void)state;
	assert_int_equal(raqib_redis_addr_parse("10.0.0.5:6390", &a), 0);
	assert_string_equal(a.host, "10.0.0.5");
	assert_int_equal(a.port, 6390);
	assert_int_equal(raqib_redis_addr_parse("redis.example", &a), 0);
	assert_string_equal(a.host, "redis.example");
	assert_int_equal(a.port, 6379);
	assert_int_equal(raqib_redis_addr_parse(":7000", &a), 0);
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(a.port, 7000);
	assert_int_equal(raqib_redis_addr_parse("[::1]:6380", &a), 0);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 6380);
}

static void test_rejects_bad_addresses(void **state)
{
	struct raqib_redis_addr a;

	(void)state;
	assert_int_equal(raqib_redis_addr_parse("", &a), -EINVAL);
	assert_int_equal(raqib_redis_addr_parse("host:", &a), -EINVAL);
	assert_int_equal(raqib_redis_addr_parse("host:0", &a), -EINVAL);
	assert_int_equal(raqib_redis_addr_parse("host:65536", &a), -EINVAL);
	assert_int_equal(raqib_redis_addr_parse("host:12ab", &a), -EINVAL);
	assert_int_equal(raqib_redis_addr_parse("::1:6379", &a), -EINVAL);
	assert_int_equal(raqib_redis_addr_parse("[::1", &a), -EINVAL);
}

static void test_select_order(void **state)
{
	struct raqib_redis_addr a;
	const char *source;

	(void)state;
	unsetenv("RAQIB_REDIS");
	assert_int_equal(raqib_redis_addr_select(NULL, &a, &source), 0);
	assert_string_equal(source, "default");
	assert_int_equal(a.port, 6379);
	setenv("RAQIB_REDIS", "127.0.0.1:7001", 1);
	assert_int_equal(raqib_redis_addr_select(NULL, &a, &source), 0);
	assert_string_equal(source, "RAQIB_REDIS");
	assert_int_equal(a.port, 7001);
	assert_int_equal(raqib_redis_addr_select("127.0.0.1:7002", &a, &source), 0);
	assert_string_equal(source, "--redis");
	assert_int_equal(a.port, 7002);
	unsetenv("RAQIB_REDIS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_port),
		cmocka_unit_test(test_rejects_bad_addresses),
		cmocka_unit_test(test_select_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
