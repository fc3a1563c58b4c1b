// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the agent's event loop: readable fds, timers, stop flag, duration, errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

struct counts {
	int reads;
	int ticks;
	volatile sig_atomic_t stop;
	int fail_with;
};

static int on_read(void *ctx, int fd)
{
	struct counts *c = ctx;
	char b;

	assert_int_equal(read(fd, &b, 1), 1);
	c->reads++;
	return c->fail_with;
}

static int on_tick(void *ctx, uint64_t now_ms)
{
	struct counts *c = ctx;

	assert_true(now_ms > 0);
	if (++c->ticks == 3)
		c->stop = 1;
	return 0;
}

static void test_fd_and_timer(void **state)
{
	struct loop *loop = loop_new();
	struct counts c = { 0 };
	int p[2];

	(void)state;
	assert_non_null(loop);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "xy", 2), 2);
	assert_int_equal(loop_add_fd(loop, p[0], on_read, &c), 0);
	assert_int_equal(loop_add_timer(loop, 5, on_tick, &c), 0);
	assert_int_equal(loop_run(loop, &c.stop, 0), 0);
	assert_int_equal(c.reads, 2);
	assert_int_equal(c.ticks, 3);
	loop_free(loop);
	close(p[0]);
	close(p[1]);
}

static void test_duration_and_error(void **state)
{
	struct loop *loop = loop_new();
	struct counts c = { .fail_with = -EIO };
	uint64_t start = loop_now_ms();
	int p[2];

	(void)state;
	assert_int_equal(loop_run(loop, &c.stop, 20), 0); /* nothing to do: returns after 20 ms */
	assert_true(loop_now_ms() - start >= 20);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_add_fd(loop, p[0], on_read, &c), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run(loop, &c.stop, 0), -EIO);
	assert_int_equal(loop_add_fd(loop, -1, on_read, &c), -EBADF);
	loop_free(loop);
	loop_free(NULL);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_and_timer),
		cmocka_unit_test(test_duration_and_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
