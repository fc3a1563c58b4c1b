// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the verdict cache: hits by file version, copies, replacement, clearing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/verdict_cache.h"

static struct cached_verdict make(const char *masked)
{
	struct cached_verdict v = { .status = EXTRACT_COMPLETE, .sha256_complete = true };

	v.verdict.findings = calloc(1, sizeof(*v.verdict.findings));
	assert_non_null(v.verdict.findings);
	v.verdict.n_findings = 1;
	strcpy(v.verdict.findings[0].type, "CIN");
	strcpy(v.verdict.findings[0].masked, masked);
	v.verdict.level = RULES_LEVEL_SECRET;
	v.sha256[0] = 0xab;
	return v;
}

static void test_hit_by_version(void **state)
{
	struct verdict_cache *c = verdict_cache_new(64);
	struct verdict_key k = { .dev = 1, .ino = 2, .size = 3, .mtime_ns = 4 };
	struct cached_verdict v = make("AB1****");
	const struct cached_verdict *hit;
	struct verdict_cache_stats st;

	(void)state;
	assert_non_null(c);
	assert_null(verdict_cache_get(c, &k));
	assert_int_equal(verdict_cache_put(c, &k, &v), 0);
	rules_verdict_release(&v.verdict); /* the cache keeps its own copy */
	hit = verdict_cache_get(c, &k);
	assert_non_null(hit);
	assert_string_equal(hit->verdict.findings[0].masked, "AB1****");
	assert_int_equal(hit->verdict.level, RULES_LEVEL_SECRET);
	assert_int_equal(hit->sha256[0], 0xab);
	k.mtime_ns = 5; /* the file changed: another version */
	assert_null(verdict_cache_get(c, &k));
	verdict_cache_get_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 2);
	verdict_cache_clear(c);
	k.mtime_ns = 4;
	assert_null(verdict_cache_get(c, &k));
	verdict_cache_free(c);
}

static void test_replacement_is_bounded(void **state)
{
	struct verdict_cache *c = verdict_cache_new(16);
	struct verdict_cache_stats st;

	(void)state;
	for (ino_t i = 0; i < 1000; i++) {
		struct verdict_key k = { .dev = 1, .ino = i, .size = 10, .mtime_ns = 1 };
		struct cached_verdict v = make("X****");

		assert_int_equal(verdict_cache_put(c, &k, &v), 0);
		rules_verdict_release(&v.verdict);
	}
	verdict_cache_get_stats(c, &st);
	assert_true(st.replaced >= 1000 - 16);
	verdict_cache_free(c); /* ASan: every replaced entry was freed */
}

static void test_copy(void **state)
{
	struct cached_verdict v = make("CD2****");
	struct rules_verdict copy;

	(void)state;
	assert_int_equal(verdict_copy(&copy, &v.verdict), 0);
	assert_ptr_not_equal(copy.findings, v.verdict.findings);
	assert_string_equal(copy.findings[0].masked, "CD2****");
	rules_verdict_release(&copy);
	rules_verdict_release(&v.verdict);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_by_version),
		cmocka_unit_test(test_replacement_is_bounded),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
