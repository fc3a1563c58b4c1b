// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of connection owners: set by the local view, found from either direction. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "pipeline/conn_table.h"

static void test_set_lookup_remove(void **state)
{
	struct conn_table *t = conn_table_new(8);
	struct conn_tuple tuple = {
		.family = AF_INET,
		.proto = IPPROTO_TCP,
		.local_port = 40000,
		.remote_port = 443,
		.local_addr = { 10, 200, 0, 1 },
		.remote_addr = { 10, 200, 0, 2 },
	};
	struct conn_owner owner = { .pid = 4242, .start_ns = 7, .bytes_sent = 100 };
	const struct conn_owner *o;

	(void)state;
	assert_non_null(t);
	strcpy(owner.comm, "telegram-deskto");
	assert_int_equal(conn_table_set(t, &tuple, &owner, 1), 0);
	/* a captured packet from the server to the client finds it too */
	o = conn_table_lookup(t, AF_INET, IPPROTO_TCP, tuple.remote_addr, 443, tuple.local_addr,
			      40000);
	assert_non_null(o);
	assert_int_equal(o->pid, 4242);
	owner.bytes_sent = 5000;
	assert_int_equal(conn_table_set(t, &tuple, &owner, 2), 0);
	o = conn_table_lookup(t, AF_INET, IPPROTO_TCP, tuple.local_addr, 40000, tuple.remote_addr,
			      443);
	assert_int_equal(o->bytes_sent, 5000);
	assert_int_equal(conn_table_size(t), 1);
	assert_null(conn_table_lookup(t, AF_INET, IPPROTO_UDP, tuple.local_addr, 40000,
				      tuple.remote_addr, 443));
	conn_table_remove(t, &tuple);
	assert_int_equal(conn_table_size(t), 0);
	assert_int_equal(conn_table_set(t, &tuple, &owner, 10), 0);
	conn_table_expire(t, 100, 50);
	assert_int_equal(conn_table_size(t), 0);
	conn_table_free(t);
	conn_table_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_lookup_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
