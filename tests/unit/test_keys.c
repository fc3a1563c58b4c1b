// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of keys and MACs (include/raqib/keys.h): the MACs against values computed
 * independently (openssl dgst -sha256 -mac HMAC), each label keeping its purpose; key files
 * made and read back, refused when others may read them or when they are not 64 hex digits.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "raqib/keys.h"

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* Key 00 01 02 ... 1f. */
static void test_key(struct raqib_key *k)
{
	for (int i = 0; i < RAQIB_KEY_BYTES; i++)
		k->bytes[i] = (uint8_t)i;
}

static void test_known_macs(void **state)
{
	struct raqib_key k;
	char mac[RAQIB_MAC_HEX_BYTES], id[RAQIB_KEY_ID_HEX_BYTES];

	(void)state;
	test_key(&k);
	/* printf 'raqib-alert-v2\nws-1\n00112233aabbccdd\n42\n{"a":1}' | openssl dgst -sha256
	 *   -mac HMAC -macopt hexkey:KEY_HEX */
	assert_int_equal(raqib_alert_mac(&k, "ws-1", "00112233aabbccdd", 42, "{\"a\":1}", 7, mac),
			 0);
	assert_string_equal(mac,
			    "0fdc7643270ec6e6b59522e859e08e1b0c86dbc181d396a0afcb6b48efa5eca4");
	/* printf 'raqib-heartbeat-v1\nws-1\n{"a":"1"}' | openssl dgst ... */
	assert_int_equal(raqib_heartbeat_mac(&k, "ws-1", "{\"a\":\"1\"}", 9, mac), 0);
	assert_string_equal(mac,
			    "b6c833d25a4b356b357ddf97243e53b3e54f2ee2c6acac0915c59362d64111f8");
	/* printf 'raqib-store-value-v1\nCIN\n<the value hash below>' | openssl dgst ... */
	assert_int_equal(
		raqib_store_hash(&k, "CIN",
				 "bc2c3dcff1b730e95649bcea4a317cd5e1d95290148a2d0c990b2f7a08a85dab",
				 mac),
		0);
	assert_string_equal(mac,
			    "878c99502c4272b99aba8fb57774ecc60685e83d7043d841faa732e0446e93fa");
	/* printf 'raqib-value-v1\nCIN\nBK734021' | openssl dgst ... */
	assert_int_equal(raqib_value_hash(&k, "CIN", "BK734021", mac), 0);
	assert_string_equal(mac,
			    "bc2c3dcff1b730e95649bcea4a317cd5e1d95290148a2d0c990b2f7a08a85dab");
	/* the same value as another type hashes differently */
	assert_int_equal(raqib_value_hash(&k, "RIB", "BK734021", mac), 0);
	assert_string_not_equal(mac,
				"bc2c3dcff1b730e95649bcea4a317cd5e1d95290148a2d0c990b2f7a08a85dab");
	/* printf 'raqib-redis-password-v1' | openssl dgst ... */
	assert_int_equal(raqib_redis_password(&k, mac), 0);
	assert_string_equal(mac,
			    "822833b27a15350e7681a52d6003b67adcc47aa86a8a86ab36b3ac8139c39e73");
	/* printf 'raqib-key-id-v1' | openssl dgst ...: its first 16 digits */
	raqib_key_id(&k, id);
	assert_string_equal(id, "9aedb6baf55ad57a");
	/* the sequence and the epoch are covered: another one, another MAC */
	assert_int_equal(raqib_alert_mac(&k, "ws-1", "00112233aabbccdd", 43, "{\"a\":1}", 7, mac),
			 0);
	assert_false(raqib_mac_equal(
		mac, "0fdc7643270ec6e6b59522e859e08e1b0c86dbc181d396a0afcb6b48efa5eca4"));
	assert_int_equal(raqib_alert_mac(&k, "ws-1", "00112233aabbccde", 42, "{\"a\":1}", 7, mac),
			 0);
	assert_false(raqib_mac_equal(
		mac, "0fdc7643270ec6e6b59522e859e08e1b0c86dbc181d396a0afcb6b48efa5eca4"));
	assert_true(raqib_mac_equal("ab", "ab"));
	assert_false(raqib_mac_equal("ab", "abc"));
}

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/raqib-test-keys.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd); /* NOLINT(cert-env33-c): the test's own directory */
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_key_files(void **state)
{
	struct raqib_key made, read_back, k;
	char path[128], err[256], sub[128];
	bool created;
	struct stat st;

	(void)state;
	assert_int_equal(raqib_agent_key_path(dir, "ws-1", path, sizeof(path)), 0);
	assert_int_equal(raqib_key_load(path, &k, err, sizeof(err)), -ENOENT);
	assert_int_equal(raqib_key_load_or_create(path, &made, &created, err, sizeof(err)), 0);
	assert_true(created);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 65);
	assert_int_equal(raqib_key_load_or_create(path, &read_back, &created, err, sizeof(err)), 0);
	assert_false(created);
	assert_memory_equal(made.bytes, read_back.bytes, RAQIB_KEY_BYTES);
	assert_int_equal(raqib_key_create(path, &k, err, sizeof(err)), -EEXIST);

	/* a key others may read is refused, like ssh does */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(raqib_key_load(path, &k, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "chmod 600"));

	snprintf(sub, sizeof(sub), "%s/bad.key", dir);
	write_file(sub, "00112233", 0600);
	assert_int_equal(raqib_key_load(sub, &k, err, sizeof(err)), -EINVAL);
	write_file(sub, KEY_HEX "\n\n", 0600);
	assert_int_equal(raqib_key_load(sub, &k, err, sizeof(err)), -EINVAL);
	write_file(sub, "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600);
	assert_int_equal(raqib_key_load(sub, &k, err, sizeof(err)), -EINVAL);
	write_file(sub, KEY_HEX "\n", 0600);
	assert_int_equal(raqib_key_load(sub, &k, err, sizeof(err)), 0);
	test_key(&made);
	assert_memory_equal(k.bytes, made.bytes, RAQIB_KEY_BYTES);
	write_file(sub, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", 0600);
	assert_int_equal(raqib_key_load(sub, &k, err, sizeof(err)), 0);
	assert_memory_equal(k.bytes, made.bytes, RAQIB_KEY_BYTES);

	/* a directory made for a key is private */
	snprintf(sub, sizeof(sub), "%s/new/deployment.key", dir);
	assert_int_equal(raqib_key_create(sub, &k, err, sizeof(err)), 0);
	snprintf(sub, sizeof(sub), "%s/new", dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* and so is every missing level above it (a fresh host has no /etc/raqib) */
	snprintf(sub, sizeof(sub), "%s/etc/raqib/keys/ws-1.key", dir);
	assert_int_equal(raqib_key_create(sub, &k, err, sizeof(err)), 0);
	snprintf(sub, sizeof(sub), "%s/etc/raqib", dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	raqib_key_wipe(&k);
	for (int i = 0; i < RAQIB_KEY_BYTES; i++)
		assert_int_equal(k.bytes[i], 0);
}

static void test_keys_dir(void **state)
{
	(void)state;
	assert_string_equal(raqib_keys_dir("/x"), "/x");
	assert_int_equal(setenv(RAQIB_KEYS_ENV, "/from/env", 1), 0);
	assert_string_equal(raqib_keys_dir(NULL), "/from/env");
	assert_int_equal(unsetenv(RAQIB_KEYS_ENV), 0);
	assert_string_equal(raqib_keys_dir(NULL), RAQIB_KEYS_DIR_DEFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_macs),
		cmocka_unit_test_setup_teardown(test_key_files, setup, teardown),
		cmocka_unit_test(test_keys_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
