// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the verdict cache: hits and misses by file version, copies independent of the
 * cache, least-recently-used eviction within a set, the "racy mtime" rule, and file_inspect()
 * answering a file opened again from the cache without reading it.
 */
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

#include "extract/verdict_cache.h"
#include "pipeline/file_inspect.h"

static struct rules_verdict one_finding(const char *value)
{
	struct rules_verdict v = { 0 };

	v.findings = calloc(1, sizeof(*v.findings));
	assert_non_null(v.findings);
	v.n_findings = 1;
	snprintf(v.findings[0].type, sizeof(v.findings[0].type), "CIN");
	snprintf(v.findings[0].value, sizeof(v.findings[0].value), "%s", value);
	v.is_official = true;
	v.level = RULES_LEVEL_SECRET;
	return v;
}

static void test_hit_miss_and_copies(void **state)
{
	struct verdict_cache *c = verdict_cache_new(64);
	struct verdict_cache_key key = { .dev = 1, .ino = 42, .size = 100, .mtime_ns = 7 };
	struct verdict_cache_key other = key;
	struct rules_verdict v = one_finding("BK734021"), got;
	struct extract_result ex = { .status = EXTRACT_PARTIAL, .sha256 = { 0xab } }, got_ex;
	struct verdict_cache_stats st;

	assert_non_null(c);
	assert_false(verdict_cache_lookup(c, &key, &got, &got_ex));
	assert_int_equal(verdict_cache_store(c, &key, &v, &ex), 0);
	rules_verdict_release(&v); /* the cache keeps its own copy */
	assert_true(verdict_cache_lookup(c, &key, &got, &got_ex));
	assert_int_equal(got.n_findings, 1);
	assert_string_equal(got.findings[0].value, "BK734021");
	assert_true(got.is_official);
	assert_int_equal(got.level, RULES_LEVEL_SECRET);
	assert_int_equal(got_ex.status, EXTRACT_PARTIAL);
	assert_int_equal(got_ex.sha256[0], 0xab);
	rules_verdict_release(&got);
	/* any field of the version differing is another file version */
	other.mtime_ns = 8;
	assert_false(verdict_cache_lookup(c, &other, &got, &got_ex));
	other = key;
	other.size = 101;
	assert_false(verdict_cache_lookup(c, &other, &got, &got_ex));
	other = key;
	other.ino = 43;
	assert_false(verdict_cache_lookup(c, &other, &got, &got_ex));
	verdict_cache_get_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 4);
	assert_int_equal(st.stores, 1);
	/* new rules: nothing the old ones decided is answered any more */
	verdict_cache_clear(c);
	assert_false(verdict_cache_lookup(c, &key, &got, &got_ex));
	verdict_cache_free(c);
}

static void test_lru_eviction(void **state)
{
	/* one set: the ninth version evicts the least recently used one */
	struct verdict_cache *c = verdict_cache_new(VERDICT_CACHE_WAYS);
	struct rules_verdict empty = { 0 }, got;
	struct extract_result ex = { 0 }, got_ex;
	struct verdict_cache_stats st;

	for (ino_t i = 1; i <= VERDICT_CACHE_WAYS; i++) {
		struct verdict_cache_key k = { .ino = i };

		assert_int_equal(verdict_cache_store(c, &k, &empty, &ex), 0);
	}
	{
		struct verdict_cache_key first = { .ino = 1 }, ninth = { .ino = 100 };
		struct verdict_cache_key second = { .ino = 2 };

		assert_true(verdict_cache_lookup(c, &first, &got, &got_ex)); /* 1 is recent now */
		rules_verdict_release(&got);
		assert_int_equal(verdict_cache_store(c, &ninth, &empty, &ex), 0);
		assert_true(verdict_cache_lookup(c, &first, &got, &got_ex));
		rules_verdict_release(&got);
		assert_false(verdict_cache_lookup(c, &second, &got, &got_ex));
		assert_true(verdict_cache_lookup(c, &ninth, &got, &got_ex));
		rules_verdict_release(&got);
	}
	verdict_cache_get_stats(c, &st);
	assert_int_equal(st.evictions, 1);
	verdict_cache_free(c);
}

static void test_settled(void **state)
{
	int64_t now = verdict_cache_now_ns();

	assert_true(verdict_cache_is_settled(now - 2000000000ll, now));
	assert_false(verdict_cache_is_settled(now, now));
	assert_false(verdict_cache_is_settled(now + 1000, now));
}

/* A file inspected twice: the second time comes from the cache, unless the file changed. */
static void test_file_inspect_uses_cache(void **state)
{
	char path[] = "/tmp/raqib-test-cache-XXXXXX";
	static const char text[] = "Bénéficiaire : CIN BK734021, RIB 007 780 0001234567890123 96\n";
	struct timespec old[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };
	struct rules_error rerr;
	struct rules *rules = rules_new_builtin(&rerr);
	struct rules_scan *scan = rules_scan_new(rules);
	struct verdict_cache *cache = verdict_cache_new(16);
	struct extract_limits limits;
	struct file_inspect_request req = { .limits = &limits, .cache = cache };
	struct file_inspect_result res;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	assert_int_equal(futimens(fd, old), 0); /* an old mtime: settled */
	close(fd);
	extract_limits_default(&limits);
	req.paths[0] = path;

	assert_int_equal(file_inspect(scan, &req, &res), 0);
	assert_false(res.from_cache);
	assert_true(res.verdict.n_findings > 0);
	rules_verdict_release(&res.verdict);

	assert_int_equal(file_inspect(scan, &req, &res), 0);
	assert_true(res.from_cache);
	assert_true(res.verdict.n_findings > 0);
	assert_true(res.extract.sha256_complete);
	rules_verdict_release(&res.verdict);

	/* rewritten without personal data: new mtime, inspected again */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "rien\n", 5), 5);
	old[0].tv_sec = old[1].tv_sec = 1000000100;
	assert_int_equal(futimens(fd, old), 0);
	close(fd);
	assert_int_equal(file_inspect(scan, &req, &res), 0);
	assert_false(res.from_cache);
	assert_int_equal(res.verdict.n_findings, 0);
	rules_verdict_release(&res.verdict);

	/* a file written just now is not cached: a write in the same tick could go unseen */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "neuf\n", 5), 5);
	close(fd);
	assert_int_equal(file_inspect(scan, &req, &res), 0);
	rules_verdict_release(&res.verdict);
	assert_int_equal(file_inspect(scan, &req, &res), 0);
	assert_false(res.from_cache);
	rules_verdict_release(&res.verdict);

	unlink(path);
	verdict_cache_free(cache);
	rules_scan_free(scan);
	rules_free(rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_miss_and_copies),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_settled),
		cmocka_unit_test(test_file_inspect_uses_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
