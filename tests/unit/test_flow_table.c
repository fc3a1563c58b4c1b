// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the flow table: both directions map to one flow, LRU eviction at the bound,
 * idle expiry, drain; the release callback is called once per flow; invariants each step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "pipeline/flow_table.h"

struct released {
	int count[4];
};

static void on_release(void *ctx, struct flow *flow, enum flow_end why)
{
	struct released *r = ctx;

	(void)flow;
	r->count[why]++;
}

static const uint8_t client[4] = { 10, 0, 0, 1 };
static const uint8_t server[4] = { 10, 0, 0, 2 };

static struct flow *get(struct flow_table *t, const uint8_t *src, uint16_t sport,
			const uint8_t *dst, uint16_t dport, uint64_t now, bool *created)
{
	struct flow_key key;

	flow_key_make(&key, AF_INET, 6, src, sport, dst, dport, 4);
	return flow_table_get(t, &key, src, sport, dst, dport, now, created);
}

static void test_both_directions_one_flow(void **state)
{
	struct released r = { 0 };
	struct flow_table *t = flow_table_new(16, on_release, &r);
	struct flow *a, *b;
	bool created;

	(void)state;
	a = get(t, client, 40000, server, 80, 1, &created);
	assert_true(created);
	b = get(t, server, 80, client, 40000, 2, &created);
	assert_false(created);
	assert_ptr_equal(a, b);
	assert_int_equal(flow_direction(a, client, 40000), FLOW_DIR_TO_SERVER);
	assert_int_equal(flow_direction(a, server, 80), FLOW_DIR_TO_CLIENT);
	assert_int_equal(a->client_port, 40000);
	assert_int_equal(a->server_port, 80);
	assert_true(flow_table_check(t));
	flow_table_free(t);
	assert_int_equal(r.count[FLOW_END_DRAINED], 1);
}

static void test_eviction_and_expiry(void **state)
{
	struct released r = { 0 };
	struct flow_table *t = flow_table_new(3, on_release, &r);
	struct flow_table_stats st;
	bool created;

	(void)state;
	for (uint16_t p = 1; p <= 3; p++) {
		assert_non_null(get(t, client, p, server, 80, p * 1000000ull, &created));
		assert_true(flow_table_check(t));
	}
	/* port 1 is the least recently used: touching it makes port 2 the victim */
	get(t, client, 1, server, 80, 4000000, &created);
	assert_false(created);
	get(t, client, 4, server, 80, 5000000, &created);
	assert_true(created);
	assert_int_equal(r.count[FLOW_END_EVICTED], 1);
	assert_true(flow_table_check(t));
	get(t, client, 2, server, 80, 5000001, &created);
	assert_true(created); /* port 2 was the one evicted */
	assert_int_equal(r.count[FLOW_END_EVICTED], 2);

	/* at t=20s with a 10s idle timeout, everything last seen before 10s goes */
	flow_table_expire(t, 20000000, 10000000);
	assert_int_equal(r.count[FLOW_END_EXPIRED], 3);
	flow_table_get_stats(t, &st);
	assert_int_equal(st.flows, 0);
	assert_int_equal(st.evicted, 2);
	assert_true(flow_table_check(t));
	flow_table_free(t);
}

static void test_remove_and_ipv6(void **state)
{
	struct released r = { 0 };
	struct flow_table *t = flow_table_new(8, on_release, &r);
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	struct flow_key key;
	struct flow *f;
	bool created;

	(void)state;
	flow_key_make(&key, AF_INET6, 17, b6, 53, a6, 5353, 16);
	f = flow_table_get(t, &key, b6, 53, a6, 5353, 1, &created);
	assert_non_null(f);
	assert_memory_equal(f->client_addr, b6, 16);
	flow_table_remove(t, f);
	assert_int_equal(r.count[FLOW_END_CLOSED], 1);
	assert_true(flow_table_check(t));
	flow_table_free(t);
	flow_table_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_directions_one_flow),
		cmocka_unit_test(test_eviction_and_expiry),
		cmocka_unit_test(test_remove_and_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
