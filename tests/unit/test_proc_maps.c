// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of /proc/PID/maps parsing and TLS library recognition (the TLS sensor's input). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "raqib/events.h"
#include "sensors/proc_maps.h"

static void test_file_mapping(void **state)
{
	char line[] =
		"7f3a1c200000-7f3a1c29a000 r-xp 00045000 fe:01 1318453                    /usr/lib/x86_64-linux-gnu/libssl.so.3";
	struct proc_map m;

	(void)state;
	assert_int_equal(proc_maps_parse_line(line, &m), 0);
	assert_int_equal(m.start, 0x7f3a1c200000ull);
	assert_int_equal(m.end, 0x7f3a1c29a000ull);
	assert_int_equal(m.offset, 0x45000);
	assert_int_equal(m.inode, 1318453);
	assert_true(m.exec);
	assert_string_equal(m.path, "/usr/lib/x86_64-linux-gnu/libssl.so.3");
	assert_int_equal(proc_maps_tls_lib(m.path), RAQIB_TLS_OPENSSL);
}

static void test_anonymous_and_deleted(void **state)
{
	char anon[] =
		"55d0c8a3e000-55d0c8a5f000 rw-p 00000000 00:00 0                          [heap]";
	char data[] = "7f00-8f00 r--p 00000000 fe:01 42 /opt/app/libgnutls.so.30 (deleted)";
	char spaces[] = "7f00-8f00 r-xp 00000000 fe:01 43 /home/u/My Apps/libnspr4.so";
	struct proc_map m;

	(void)state;
	assert_int_equal(proc_maps_parse_line(anon, &m), 0);
	assert_null(m.path);
	assert_int_equal(proc_maps_parse_line(data, &m), 0);
	assert_false(m.exec);
	assert_string_equal(m.path, "/opt/app/libgnutls.so.30");
	assert_int_equal(proc_maps_tls_lib(m.path), RAQIB_TLS_GNUTLS);
	assert_int_equal(proc_maps_parse_line(spaces, &m), 0);
	assert_string_equal(m.path, "/home/u/My Apps/libnspr4.so");
	assert_int_equal(proc_maps_tls_lib(m.path), RAQIB_TLS_NSS);
}

static void test_malformed(void **state)
{
	char empty[] = "";
	char no_dash[] = "7f00 r-xp 0 fe:01 1 /x";
	char bad_hex[] = "7g00-8f00 r-xp 0 fe:01 1 /x";
	char short_perms[] = "7f00-8f00 rx";
	char no_inode[] = "7f00-8f00 r-xp 00000000 fe:01 /x";
	char too_long[] = "11112222333344445-8f00 r-xp 0 fe:01 1 /x";
	struct proc_map m;

	(void)state;
	assert_int_equal(proc_maps_parse_line(empty, &m), -EINVAL);
	assert_int_equal(proc_maps_parse_line(no_dash, &m), -EINVAL);
	assert_int_equal(proc_maps_parse_line(bad_hex, &m), -EINVAL);
	assert_int_equal(proc_maps_parse_line(short_perms, &m), -EINVAL);
	assert_int_equal(proc_maps_parse_line(no_inode, &m), -EINVAL);
	assert_int_equal(proc_maps_parse_line(too_long, &m), -EINVAL);
}

static void test_tls_lib_names(void **state)
{
	(void)state;
	assert_int_equal(proc_maps_tls_lib("libssl.so.1.1"), RAQIB_TLS_OPENSSL);
	assert_int_equal(proc_maps_tls_lib("/snap/core22/current/usr/lib/libssl.so.3"),
			 RAQIB_TLS_OPENSSL);
	assert_int_equal(proc_maps_tls_lib("/usr/lib/libcrypto.so.3"), 0);
	assert_int_equal(proc_maps_tls_lib("/usr/lib/libssl3.so"), 0); /* NSS's, not OpenSSL's */
	assert_int_equal(proc_maps_tls_lib("/usr/lib/x86_64-linux-gnu/libnss3.so"), 0);
	assert_int_equal(proc_maps_tls_lib("/tmp/mylibssl.so"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_mapping),
		cmocka_unit_test(test_anonymous_and_deleted),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tls_lib_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
