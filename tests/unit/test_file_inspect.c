// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of file inspection: the file must be the one the kernel named (device and inode),
 * a later path is tried when the first fails, non-regular files are refused, and a file longer
 * than the read limit is marked partially inspected.
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

#include "raqib/rules.h"
#include "outbox/alert.h"
#include "pipeline/file_inspect.h"

struct fixture {
	struct extract_limits limits;
	struct rules *rules;
	struct rules_scan *scan;
	char path[64];
	struct stat st;
};

static const char content[] = "Objet : dossier\nCIN n\xc2\xb0 BK734021\n";

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rules_error err;
	int fd;

	if (!f)
		return -1;
	extract_limits_default(&f->limits);
	f->rules = rules_new_builtin(&err);
	f->scan = f->rules ? rules_scan_new(f->rules) : NULL;
	snprintf(f->path, sizeof(f->path), "/tmp/raqib-fi-XXXXXX");
	fd = mkstemp(f->path);
	if (!f->scan || fd < 0 || write(fd, content, sizeof(content) - 1) < 0 ||
	    fstat(fd, &f->st) < 0)
		return -1;
	close(fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rules_scan_free(f->scan);
	rules_free(f->rules);
	free(f);
	return 0;
}

static void test_same_file_is_inspected(void **state)
{
	struct fixture *f = *state;
	struct file_inspect_request req = {
		.paths = { "/nonexistent/first", f->path },
		.has_identity = true,
		.dev = f->st.st_dev,
		.ino = f->st.st_ino,
		.limits = &f->limits,
	};
	struct file_inspect_result res;
	/* sha256 of the content, as `sha256sum` prints it */
	static const char want_sha[] =
		"c859b7cb24d654315a8e17c6e89419398b9817fa3a8afe31c8a0aab0d9057896";
	char sha[65];

	assert_int_equal(file_inspect(f->scan, &req, &res), 0);
	assert_string_equal(res.opened_path, f->path);
	assert_true(res.extract.sha256_complete);
	alert_hex(res.extract.sha256, 32, sha, sizeof(sha));
	assert_string_equal(sha, want_sha);
	assert_int_equal(res.extract.status, EXTRACT_COMPLETE);
	assert_int_equal(res.size, sizeof(content) - 1);
	assert_int_equal(res.verdict.n_findings, 1);
	assert_string_equal(res.verdict.findings[0].type, "CIN");
	assert_false(res.verdict.is_truncated);
	rules_verdict_release(&res.verdict);
}

static void test_other_file_is_refused(void **state)
{
	struct fixture *f = *state;
	struct file_inspect_request req = {
		.paths = { f->path },
		.has_identity = true,
		.dev = f->st.st_dev,
		.ino = f->st.st_ino + 1,
		.limits = &f->limits,
	};
	struct file_inspect_result res;

	assert_int_equal(file_inspect(f->scan, &req, &res), -ESTALE);
	req.paths[0] = "/nonexistent/x";
	assert_int_equal(file_inspect(f->scan, &req, &res), -ENOENT);
	req.paths[0] = "/tmp";
	req.has_identity = false;
	assert_int_equal(file_inspect(f->scan, &req, &res), -EINVAL);
}

static void test_read_limit_marks_truncation(void **state)
{
	struct fixture *f = *state;
	struct extract_limits small = f->limits;
	struct file_inspect_request req = {
		.paths = { f->path },
		.limits = &small,
	};
	struct file_inspect_result res;

	small.max_read_bytes = 10; /* stops before the CIN */
	assert_int_equal(file_inspect(f->scan, &req, &res), 0);
	assert_true(res.verdict.is_truncated);
	assert_int_equal(res.extract.status, EXTRACT_PARTIAL);
	assert_false(res.extract.sha256_complete);
	assert_int_equal(res.verdict.n_findings, 0);
	rules_verdict_release(&res.verdict);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_file_is_inspected),
		cmocka_unit_test(test_other_file_is_refused),
		cmocka_unit_test(test_read_limit_marks_truncation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
