// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of TLS plaintext streams: one scan per connection across records (a value cut
 * between two writes is still found), binding to a socket, the ways a stream ends, the bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/tls_streams.h"

struct ended {
	struct tls_stream_info info;
	size_t cins;
};

struct fixture {
	struct rules *rules;
	struct tls_streams *ts;
	struct ended ends[8];
	size_t n_ends;
};

static void on_end(void *ctx, const struct tls_stream_info *info, struct rules_verdict *v)
{
	struct fixture *fx = ctx;

	assert_true(fx->n_ends < 8);
	fx->ends[fx->n_ends].info = *info;
	fx->ends[fx->n_ends++].cins = rules_verdict_count(v, "CIN");
	rules_verdict_release(v);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct tls_streams_config cfg = {
		.max_streams = 2,
		.idle_ns = 1000,
		.max_bytes = 1 << 20,
		.on_end = on_end,
	};
	struct rules_error err;

	assert_non_null(fx);
	cfg.ctx = fx;
	fx->rules = rules_new_builtin(&err);
	assert_non_null(fx->rules);
	fx->ts = tls_streams_new(fx->rules, &cfg);
	assert_non_null(fx->ts);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	tls_streams_free(fx->ts);
	rules_free(fx->rules);
	free(fx);
	return 0;
}

static void data(struct fixture *fx, uint32_t pid, uint64_t conn, const char *text, uint64_t ts)
{
	static struct raqib_event_tls_data ev;

	memset(&ev, 0, sizeof(ev));
	ev.hdr.kind = RAQIB_EV_TLS_DATA;
	ev.hdr.pid = pid;
	ev.hdr.proc_start_ns = 5;
	ev.hdr.ts_ns = ts;
	ev.conn = conn;
	ev.lib = RAQIB_TLS_GNUTLS;
	ev.len = (uint32_t)strlen(text);
	memcpy(ev.data, text, ev.len);
	tls_streams_data(fx->ts, &ev);
}

static void test_value_across_records(void **state)
{
	struct fixture *fx = *state;
	struct raqib_event_tls_bind b = { .conn = 0x10, .sk = 0x99, .family = 2, .dport = 443 };

	data(fx, 42, 0x10, "Liste des beneficiaires\nNom | CIN\nKarim Demo | BK73", 10);
	data(fx, 42, 0x10, "4021\nSara Demo | CIN BE120044\n", 20);
	b.hdr.pid = 42;
	b.hdr.proc_start_ns = 5;
	tls_streams_bind(fx->ts, &b);
	assert_int_equal(fx->n_ends, 0);
	tls_streams_socket_closed(fx->ts, 42, 0x99);
	assert_int_equal(fx->n_ends, 1);
	assert_int_equal(fx->ends[0].cins, 2);
	assert_true(fx->ends[0].info.bound);
	assert_int_equal(fx->ends[0].info.dport, 443);
	assert_int_equal(fx->ends[0].info.bytes, 81);
	assert_int_equal(fx->ends[0].info.lib, RAQIB_TLS_GNUTLS);
}

static void test_idle_exit_and_bound(void **state)
{
	struct fixture *fx = *state;
	struct tls_streams_stats st;

	data(fx, 1, 0xa, "hello", 10);
	data(fx, 2, 0xb, "world", 500);
	tls_streams_tick(fx->ts, 1200); /* the first one is idle */
	assert_int_equal(fx->n_ends, 1);
	assert_int_equal(fx->ends[0].info.pid, 1);
	data(fx, 3, 0xc, "a", 600);
	data(fx, 4, 0xd, "b", 700); /* max_streams 2: the least recent (pid 2) ends early */
	assert_int_equal(fx->n_ends, 2);
	assert_int_equal(fx->ends[1].info.pid, 2);
	tls_streams_process_exit(fx->ts, 3);
	assert_int_equal(fx->n_ends, 3);
	tls_streams_get_stats(fx->ts, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.active, 1);
	tls_streams_flush(fx->ts);
	assert_int_equal(fx->n_ends, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_value_across_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_exit_and_bound, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
