// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of rule versions (include/raqib/rules_dist.h): the bundle's JSON both ways and its
 * refusals, targets, the signing key pair (files, modes), signatures that verify only for the
 * same bytes and the same key.
 */
#include <errno.h>
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

#include "raqib/rules_dist.h"

static char *sites[] = { "east" };
static char *hosts[] = { "ws-9" };

static struct raqib_rules_bundle sample(void)
{
	static struct raqib_rules_pack packs[] = {
		{ "local.yml", "pack: {name: local, version: 1, description: \"x\"}\n", 46 },
	};
	struct raqib_rules_bundle b = { .version = 7, .packs = packs, .n_packs = 1 };

	snprintf(b.created, sizeof(b.created), "2026-12-08T00:00:00Z");
	snprintf(b.author, sizeof(b.author), "admin@host");
	snprintf(b.comment, sizeof(b.comment), "allow the ministry's mail");
	return b;
}

static void test_bundle_round_trip(void **state)
{
	struct raqib_rules_bundle b = sample(), back;
	char err[256], *json, *again;

	(void)state;
	b.sites = sites;
	b.n_sites = 1;
	json = raqib_rules_bundle_encode(&b);
	assert_non_null(json);
	assert_int_equal(raqib_rules_bundle_decode(json, strlen(json), &back, err, sizeof(err)), 0);
	assert_int_equal(back.version, 7);
	assert_string_equal(back.comment, "allow the ministry's mail");
	assert_int_equal(back.n_packs, 1);
	assert_string_equal(back.packs[0].name, "local.yml");
	assert_int_equal(back.packs[0].len, 46);
	assert_memory_equal(back.packs[0].text, b.packs[0].text, 46);
	assert_int_equal(back.n_sites, 1);
	/* canonical: the same bundle gives the same bytes (what is signed) */
	again = raqib_rules_bundle_encode(&back);
	assert_string_equal(json, again);
	raqib_rules_bundle_release(&back);
	free(json);
	free(again);
}

static void test_bundle_refusals(void **state)
{
	static const char *const bad[] = {
		"not json",
		"{\"format\":\"other\",\"version\":1}",
		"{\"format\":\"raqib-rules-v1\",\"version\":0,\"created\":\"\",\"author\":\"\",\"comment\":\"\",\"targets\":{},\"packs\":[{\"name\":\"a.yml\",\"text\":\"\"}]}",
		"{\"format\":\"raqib-rules-v1\",\"version\":1,\"created\":\"\",\"author\":\"\",\"comment\":\"\",\"targets\":{},\"packs\":[]}",
		"{\"format\":\"raqib-rules-v1\",\"version\":1,\"created\":\"\",\"author\":\"\",\"comment\":\"\",\"targets\":{},\"packs\":[{\"name\":\"../etc/x.yml\",\"text\":\"\"}]}",
		"{\"format\":\"raqib-rules-v1\",\"version\":1,\"created\":\"\",\"author\":\"\",\"comment\":\"\",\"targets\":{\"sites\":[1]},\"packs\":[{\"name\":\"a.yml\",\"text\":\"\"}]}",
		"{\"format\":\"raqib-rules-v1\",\"format\":\"raqib-rules-v1\"}",
	};
	struct raqib_rules_bundle b;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(raqib_rules_bundle_decode(bad[i], strlen(bad[i]), &b, err,
							   sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "not a rules version"));
	}
}

static void test_targets(void **state)
{
	struct raqib_rules_bundle b = sample();

	(void)state;
	assert_true(raqib_rules_bundle_applies(&b, NULL, "ws-1", "h1")); /* no target: everyone */
	b.sites = sites;
	b.n_sites = 1;
	assert_true(raqib_rules_bundle_applies(&b, "east", "ws-1", "h1"));
	assert_false(raqib_rules_bundle_applies(&b, "west", "ws-1", "h1"));
	assert_false(raqib_rules_bundle_applies(&b, NULL, "ws-1", "h1"));
	b.hosts = hosts;
	b.n_hosts = 1;
	assert_true(raqib_rules_bundle_applies(&b, "west", "ws-9", "h1"));
	assert_true(raqib_rules_bundle_applies(&b, NULL, "x", "ws-9"));
}

static void test_sign_verify(void **state)
{
	char dir[] = "/tmp/raqib-test-rules-dist.XXXXXX", path[512], err[512];
	char sig[RAQIB_RULES_SIG_HEX_BYTES], id1[RAQIB_RULES_KEY_ID_BYTES],
		id2[RAQIB_RULES_KEY_ID_BYTES];
	struct raqib_rules_key *priv, *pub, *other;
	const char *json = "{\"version\":1}";
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(raqib_rules_keygen(dir, err, sizeof(err)), 0);
	assert_int_equal(raqib_rules_keygen(dir, err, sizeof(err)), -EEXIST); /* never replaced */
	snprintf(path, sizeof(path), "%s/%s", dir, RAQIB_RULES_SIGNING_KEY_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(raqib_rules_key_load_private(path, &priv, err, sizeof(err)), 0);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(raqib_rules_key_load_private(path, &other, err, sizeof(err)), -EPERM);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, RAQIB_RULES_VERIFY_KEY_FILE);
	assert_int_equal(raqib_rules_key_load_public(path, &pub, err, sizeof(err)), 0);
	/* a public key signs nothing */
	assert_int_equal(raqib_rules_sign(pub, json, strlen(json), sig), -EINVAL);
	assert_int_equal(raqib_rules_sign(priv, json, strlen(json), sig), 0);
	assert_int_equal(strlen(sig), 128);
	assert_true(raqib_rules_verify(pub, json, strlen(json), sig));
	assert_false(raqib_rules_verify(pub, "{\"version\":2}", 13, sig));
	sig[5] = sig[5] == '0' ? '1' : '0';
	assert_false(raqib_rules_verify(pub, json, strlen(json), sig));
	assert_false(raqib_rules_verify(pub, json, strlen(json), "abc"));
	raqib_rules_key_id(priv, id1);
	raqib_rules_key_id(pub, id2);
	assert_string_equal(id1, id2);
	assert_int_equal(strlen(id1), 16);
	/* another key pair does not verify the first one's signatures */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(raqib_rules_keygen(dir, err, sizeof(err)), 0);
	assert_int_equal(raqib_rules_key_load_public(path, &other, err, sizeof(err)), 0);
	assert_int_equal(raqib_rules_sign(priv, json, strlen(json), sig), 0);
	assert_false(raqib_rules_verify(other, json, strlen(json), sig));
	raqib_rules_key_free(pub);
	assert_true(raqib_rules_key_load_public("/nonexistent/x.pub", &pub, err, sizeof(err)) < 0);
	assert_null(pub);
	raqib_rules_key_free(priv);
	raqib_rules_key_free(other);
	raqib_rules_key_free(NULL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, RAQIB_RULES_SIGNING_KEY_FILE);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_round_trip),
		cmocka_unit_test(test_bundle_refusals),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_sign_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
