// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the process table: upsert, lookup, removal, the bound, invariants each step. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/proc_table.h"

static struct proc_info info(uint32_t pid, const char *comm)
{
	struct proc_info p = { .pid = pid, .ppid = 1, .start_ns = pid * 10ull };

	snprintf(p.comm, sizeof(p.comm), "%s", comm);
	return p;
}

static void test_upsert_lookup_remove(void **state)
{
	struct proc_table *t = proc_table_new(128);
	struct proc_info p;

	(void)state;
	assert_non_null(t);
	for (uint32_t pid = 100; pid < 200; pid++) {
		p = info(pid, "worker");
		assert_int_equal(proc_table_upsert(t, &p), 0);
		assert_true(proc_table_check(t));
	}
	assert_string_equal(proc_table_lookup(t, 150)->comm, "worker");
	p = info(150, "telegram-deskto");
	assert_int_equal(proc_table_upsert(t, &p), 0); /* an exec replaces the image */
	assert_string_equal(proc_table_lookup(t, 150)->comm, "telegram-deskto");
	proc_table_remove(t, 150);
	assert_true(proc_table_check(t));
	assert_null(proc_table_lookup(t, 150));
	proc_table_remove(t, 150); /* removing twice is harmless */
	assert_null(proc_table_lookup(t, 99999));
	assert_true(proc_table_check(t));
	proc_table_free(t);
	proc_table_free(NULL);
}

static void test_bound_refuses_and_counts(void **state)
{
	struct proc_table *t = proc_table_new(4);
	struct proc_table_stats st;
	struct proc_info p;

	(void)state;
	for (uint32_t pid = 1; pid <= 4; pid++) {
		p = info(pid, "p");
		assert_int_equal(proc_table_upsert(t, &p), 0);
	}
	p = info(5, "p");
	assert_int_equal(proc_table_upsert(t, &p), -ENOSPC);
	p = info(2, "q");
	assert_int_equal(proc_table_upsert(t, &p), 0); /* updates still work when full */
	proc_table_get_stats(t, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.refused, 1);
	assert_true(proc_table_check(t));
	proc_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upsert_lookup_remove),
		cmocka_unit_test(test_bound_refuses_and_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
