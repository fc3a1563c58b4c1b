// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the file-to-upload correlator, step by step on made-up timestamps: a matched
 * upload (exactly one outcome, never followed by "read only"), an unrelated upload, chunks and
 * traffic before the upload, retries, local destinations, browsers (only messaging servers
 * count, by IP range or by learnt name), uploads spread over flows, re-opens, instance exit,
 * the bound on staged files. Apps come from the default packs (Telegram: +2 %, +-10 %, spans
 * flows; WhatsApp: +26 bytes, +-5 %, one flow).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "pipeline/correlator.h"

#define S 1000000000ull /* one second in ns */

struct outcome {
	char path[CORR_PATH_MAX];
	bool upload;
	struct corr_upload up;
	char dest_app[32];
};

struct fixture {
	struct rules *rules;
	struct correlator *corr;
	struct outcome out[16];
	size_t n_out;
	const char *name; /* what the name hook answers */
};

static void on_outcome(void *ctx, const struct staged_file *f, const struct corr_upload *up)
{
	struct fixture *fx = ctx;
	struct outcome *o = &fx->out[fx->n_out++];

	assert_true(fx->n_out <= 16);
	snprintf(o->path, sizeof(o->path), "%s", f->path);
	o->upload = up != NULL;
	if (up) {
		o->up = *up;
		snprintf(o->dest_app, sizeof(o->dest_app), "%s",
			 up->dest_app ? up->dest_app->id : "");
	}
}

static const char *name_of(void *ctx, const struct corr_tuple *tuple)
{
	struct fixture *fx = ctx;

	(void)tuple;
	return fx->name;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct correlator_config cfg;
	struct rules_error err;

	assert_non_null(fx);
	fx->rules = rules_new_builtin(&err);
	assert_non_null(fx->rules);
	correlator_config_default(&cfg);
	cfg.window_ns = 60 * S;
	cfg.max_staged = 4;
	cfg.outcome = on_outcome;
	cfg.outcome_ctx = fx;
	cfg.name_of = name_of;
	cfg.name_ctx = fx;
	fx->corr = correlator_new(fx->rules, &cfg);
	assert_non_null(fx->corr);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	correlator_free(fx->corr);
	rules_free(fx->rules);
	free(fx);
	return 0;
}

static const struct rules_app *app(struct fixture *fx, const char *comm)
{
	const struct rules_app *a = rules_app_by_comm(fx->rules, comm);

	assert_non_null(a);
	return a;
}

/* Stages a file of size bytes opened by instance 100 (pid 100 unless said otherwise). */
static int stage(struct fixture *fx, const char *comm, const char *path, ino_t ino, int64_t size,
		 uint64_t ts)
{
	struct staged_file f = { .inst_pid = 100, .inst_start_ns = 7, .pid = 100, .size = size };

	snprintf(f.app_id, sizeof(f.app_id), "%s", app(fx, comm)->id);
	snprintf(f.path, sizeof(f.path), "%s", path);
	snprintf(f.comm, sizeof(f.comm), "%s", comm);
	f.dev = 1;
	f.ino = ino;
	f.staged_ns = ts;
	/* the correlator owns the verdict: a finding to free proves it does (ASan) */
	f.verdict.findings = calloc(1, sizeof(*f.verdict.findings));
	f.verdict.n_findings = 1;
	int rc = correlator_stage(fx->corr, &f);

	if (rc)
		rules_verdict_release(&f.verdict);
	assert_true(correlator_check(fx->corr));
	return rc;
}

static void send_bytes(struct fixture *fx, const char *comm, uint32_t pid, uint64_t sk,
		       const char *dst, uint64_t bytes, uint64_t ts)
{
	struct corr_flow_update u = {
		.pid = pid,
		.start_ns = 9,
		.sk = sk,
		.inst_pid = 100,
		.inst_start_ns = 7,
		.app = app(fx, comm),
		.bytes = bytes,
		.first_ns = ts, /* used for new flows only: their first send */
		.ts_ns = ts,
	};

	u.tuple.family = AF_INET;
	u.tuple.proto = IPPROTO_TCP;
	u.tuple.sport = 40000;
	u.tuple.dport = 443;
	inet_pton(AF_INET, "10.0.0.1", u.tuple.saddr);
	inet_pton(AF_INET, dst, u.tuple.daddr);
	correlator_flow(fx->corr, &u);
	assert_true(correlator_check(fx->corr));
}

static void test_upload_matches_once(void **state)
{
	struct fixture *fx = *state;

	send_bytes(fx, "telegram-deskto", 100, 0xa0, "149.154.167.50", 600, 1 * S); /* handshake */
	assert_int_equal(stage(fx, "telegram-deskto", "/home/u/secret.pdf", 11, 100000, 2 * S), 0);
	send_bytes(fx, "telegram-deskto", 100, 0xa0, "149.154.167.50", 600 + 102500, 3 * S);
	assert_int_equal(fx->n_out, 1);
	assert_true(fx->out[0].upload);
	assert_string_equal(fx->out[0].path, "/home/u/secret.pdf");
	assert_int_equal(fx->out[0].up.bytes, 102500);
	assert_int_equal(fx->out[0].up.expected, 102000);
	assert_int_equal(fx->out[0].up.tuple.dport, 443);
	assert_int_equal(fx->out[0].up.delay_ns, 1 * S);
	assert_true(correlator_flow_matched(fx->corr, 100, 0xa0));
	/* more traffic, the window closing: no second outcome, no "read only" */
	send_bytes(fx, "telegram-deskto", 100, 0xa0, "149.154.167.50", 600 + 2 * 102500, 4 * S);
	correlator_tick(fx->corr, 200 * S);
	assert_int_equal(fx->n_out, 1);
}

static void test_unrelated_upload_is_read_only(void **state)
{
	struct fixture *fx = *state;
	struct correlator_stats st;

	assert_int_equal(stage(fx, "telegram-deskto", "/home/u/letter.txt", 12, 1242, 2 * S), 0);
	send_bytes(fx, "telegram-deskto", 100, 0xb0, "149.154.167.50", 65536 + 600, 3 * S);
	assert_int_equal(fx->n_out, 0);
	correlator_tick(fx->corr, 30 * S); /* window still open */
	assert_int_equal(fx->n_out, 0);
	correlator_tick(fx->corr, 62 * S);
	assert_int_equal(fx->n_out, 1);
	assert_false(fx->out[0].upload);
	correlator_get_stats(fx->corr, &st);
	assert_int_equal(st.read_only, 1);
	assert_int_equal(st.uploads, 0);
	assert_int_equal(st.pending, 0);
}

static void test_chunks_after_other_traffic(void **state)
{
	struct fixture *fx = *state;
	uint64_t b = 5000; /* earlier chat traffic */

	send_bytes(fx, "whatsdesk", 100, 0xc0, "157.240.1.1", b, 1 * S);
	assert_int_equal(stage(fx, "whatsdesk", "/home/u/cin-list.xlsx", 13, 50000, 2 * S), 0);
	b += 800; /* a chat message after the open: not the file */
	send_bytes(fx, "whatsdesk", 100, 0xc0, "157.240.1.1", b, 2 * S + 100);
	/* the upload: 50000 rounded to 16 + 26 bytes of MAC, in three chunks */
	send_bytes(fx, "whatsdesk", 100, 0xc0, "157.240.1.1", b + 20000, 5 * S);
	send_bytes(fx, "whatsdesk", 100, 0xc0, "157.240.1.1", b + 40000, 5 * S + 100);
	assert_int_equal(fx->n_out, 0);
	send_bytes(fx, "whatsdesk", 100, 0xc0, "157.240.1.1", b + 50026 + 300, 5 * S + 200);
	assert_int_equal(fx->n_out, 1);
	assert_true(fx->out[0].upload);
	assert_int_equal(fx->out[0].up.bytes, 50326);
}

static void test_retry_on_new_connection(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(stage(fx, "whatsdesk", "/home/u/scan.pdf", 14, 200000, 1 * S), 0);
	/* a first attempt dies half way, then a new connection sends it whole */
	send_bytes(fx, "whatsdesk", 100, 0xd0, "157.240.1.1", 90000, 2 * S);
	send_bytes(fx, "whatsdesk", 100, 0xd1, "157.240.1.1", 200026, 4 * S);
	assert_int_equal(fx->n_out, 1);
	assert_true(fx->out[0].upload);
	assert_int_equal(fx->out[0].up.bytes, 200026);
}

static void test_local_destinations_ignored(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(stage(fx, "telegram-deskto", "/home/u/a.pdf", 15, 4000, 1 * S), 0);
	send_bytes(fx, "telegram-deskto", 100, 0xe0, "127.0.0.1", 4100, 2 * S);
	send_bytes(fx, "telegram-deskto", 100, 0xe1, "169.254.1.1", 4100, 2 * S);
	correlator_flush(fx->corr);
	assert_int_equal(fx->n_out, 1);
	assert_false(fx->out[0].upload);
}

static void test_browser_needs_messaging_server(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(stage(fx, "firefox", "/home/u/b.pdf", 16, 30000, 1 * S), 0);
	/* an unknown server: a browser's flows count only towards a messaging app */
	send_bytes(fx, "firefox", 100, 0xf0, "93.184.216.34", 30700, 2 * S);
	assert_int_equal(fx->n_out, 0);
	/* the network sensor learnt this address serves web.whatsapp.com */
	fx->name = "web.whatsapp.com";
	send_bytes(fx, "firefox", 100, 0xf1, "157.240.9.9", 30100, 3 * S);
	assert_int_equal(fx->n_out, 1);
	assert_true(fx->out[0].upload);
	assert_string_equal(fx->out[0].dest_app, "whatsapp");
	assert_string_equal(fx->out[0].up.server_name, "web.whatsapp.com");
}

static void test_browser_by_ip_range(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(stage(fx, "firefox", "/home/u/c.pdf", 17, 30000, 1 * S), 0);
	send_bytes(fx, "firefox", 100, 0xf2, "149.154.167.99", 30700, 2 * S); /* Telegram's range */
	assert_int_equal(fx->n_out, 1);
	assert_string_equal(fx->out[0].dest_app, "telegram");
}

/*
 * A browser read two picked files (previews) and uploads one: the file whose expected upload
 * is closest to the bytes sent wins, and the choice says how many were weighed.
 */
static void test_choice_between_staged_files(void **state)
{
	struct fixture *fx = *state;

	fx->name = "mmg.whatsapp.net";
	assert_int_equal(stage(fx, "chromium", "/home/u/a.pdf", 21, 100000, 1 * S), 0);
	assert_int_equal(stage(fx, "chromium", "/home/u/b.pdf", 22, 130000, 1 * S + 1), 0);
	/* a.pdf encrypted (AES-CBC rounds 100000 to 100016, a 10-byte MAC) and HTTP headers */
	send_bytes(fx, "chromium", 101, 0x130, "157.240.9.9", 100026 + 700, 2 * S);
	assert_int_equal(fx->n_out, 1);
	assert_string_equal(fx->out[0].path, "/home/u/a.pdf");
	assert_int_equal(fx->out[0].up.choice.candidates, 2);
	assert_int_equal(fx->out[0].up.choice.in_range, 1);
	assert_int_equal(fx->out[0].up.choice.runner_up_size, -1);
	assert_true(fx->out[0].up.choice.error < 0.01);
	assert_string_equal(fx->out[0].dest_app, "whatsapp");
	/* two files both within WhatsApp's 5 %: the closer one wins, the other is the runner-up */
	assert_int_equal(stage(fx, "chromium", "/home/u/c.pdf", 23, 101000, 3 * S), 0);
	send_bytes(fx, "chromium", 101, 0x131, "157.240.9.9", 101026 + 500, 4 * S);
	assert_int_equal(fx->n_out, 2);
	assert_string_equal(fx->out[1].path, "/home/u/c.pdf");
	assert_int_equal(fx->out[1].up.choice.candidates, 2); /* b.pdf and c.pdf were waiting */
	assert_int_equal(fx->out[1].up.choice.in_range, 1); /* a.pdf is spent */
	correlator_flush(fx->corr);
	assert_int_equal(fx->n_out, 3);
	assert_string_equal(fx->out[2].path, "/home/u/b.pdf");
	assert_false(fx->out[2].upload);
}

static void test_closest_of_two_in_range(void **state)
{
	struct fixture *fx = *state;

	fx->name = "mmg.whatsapp.net";
	assert_int_equal(stage(fx, "chromium", "/home/u/a.pdf", 24, 100000, 1 * S), 0);
	assert_int_equal(stage(fx, "chromium", "/home/u/c.pdf", 25, 101000, 1 * S + 1), 0);
	send_bytes(fx, "chromium", 101, 0x140, "157.240.9.9", 101026 + 500, 2 * S);
	assert_int_equal(fx->n_out, 1);
	assert_string_equal(fx->out[0].path, "/home/u/c.pdf");
	assert_int_equal(fx->out[0].up.choice.in_range, 2);
	assert_int_equal(fx->out[0].up.choice.runner_up_size, 100000);
	assert_true(fx->out[0].up.choice.runner_up_error > fx->out[0].up.choice.error);
}

static void test_upload_spread_over_flows(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(stage(fx, "telegram-deskto", "/home/u/big.zip", 18, 1048576, 1 * S), 0);
	/* Telegram: parts of 512 KiB over two connections (and two processes of the instance) */
	send_bytes(fx, "telegram-deskto", 100, 0x100, "149.154.167.50", 534000, 2 * S);
	assert_int_equal(fx->n_out, 0);
	send_bytes(fx, "telegram-deskto", 101, 0x101, "149.154.167.51", 535000, 3 * S);
	assert_int_equal(fx->n_out, 1);
	assert_true(fx->out[0].upload);
	assert_int_equal(fx->out[0].up.flows, 2);
	assert_int_equal(fx->out[0].up.bytes, 1069000);
	assert_int_equal(fx->out[0].up.sender_pid, 101);
}

static void test_reopen_is_same_staging(void **state)
{
	struct fixture *fx = *state;
	struct correlator_stats st;

	assert_int_equal(stage(fx, "telegram-deskto", "/home/u/d.pdf", 19, 5000, 1 * S), 0);
	assert_int_equal(stage(fx, "telegram-deskto", "/home/u/d.pdf", 19, 5000, 50 * S), -EEXIST);
	correlator_tick(fx->corr, 70 * S); /* the window runs from the latest open */
	assert_int_equal(fx->n_out, 0);
	send_bytes(fx, "telegram-deskto", 100, 0x110, "149.154.167.50", 5100, 80 * S);
	assert_int_equal(fx->n_out, 1);
	assert_true(fx->out[0].upload);
	/* opened again just after its upload: the same staging, no "read only" later */
	assert_int_equal(stage(fx, "telegram-deskto", "/home/u/d.pdf", 19, 5000, 81 * S), -EEXIST);
	correlator_tick(fx->corr, 500 * S);
	assert_int_equal(fx->n_out, 1);
	correlator_get_stats(fx->corr, &st);
	assert_int_equal(st.restaged, 2);
}

static void test_instance_exit(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(stage(fx, "telegram-deskto", "/home/u/e.pdf", 20, 5000, 1 * S), 0);
	correlator_instance_exit(fx->corr, 100, 7, 2 * S);
	correlator_tick(fx->corr, 3 * S); /* within the grace for its last byte counts */
	assert_int_equal(fx->n_out, 0);
	correlator_tick(fx->corr, 4 * S + 1);
	assert_int_equal(fx->n_out, 1);
	assert_false(fx->out[0].upload);
}

static void test_bound_decides_oldest(void **state)
{
	struct fixture *fx = *state;
	struct correlator_stats st;

	for (int i = 0; i < 5; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/f%d", i);
		assert_int_equal(stage(fx, "telegram-deskto", path, 30 + i, 1000, (1 + i) * S), 0);
	}
	assert_int_equal(fx->n_out, 1); /* max_staged 4: the oldest is decided now */
	assert_string_equal(fx->out[0].path, "/f0");
	assert_false(fx->out[0].upload);
	correlator_get_stats(fx->corr, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.pending, 4);
	correlator_flush(fx->corr);
	assert_int_equal(fx->n_out, 5);
}

static void test_flow_tuple_and_new_socket(void **state)
{
	struct fixture *fx = *state;
	struct corr_tuple t;

	assert_false(correlator_flow_tuple(fx->corr, 100, 0x120, &t));
	send_bytes(fx, "telegram-deskto", 100, 0x120, "149.154.167.50", 100000, 1 * S);
	assert_true(correlator_flow_tuple(fx->corr, 100, 0x120, &t));
	assert_int_equal(t.dport, 443);
	assert_int_equal(stage(fx, "telegram-deskto", "/home/u/g.pdf", 40, 3000, 2 * S), 0);
	/* a new socket at the same address: counts from zero, not a negative delta */
	send_bytes(fx, "telegram-deskto", 100, 0x120, "149.154.167.50", 3100, 3 * S);
	assert_int_equal(fx->n_out, 1);
	assert_true(fx->out[0].upload);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upload_matches_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unrelated_upload_is_read_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chunks_after_other_traffic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_on_new_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_destinations_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_browser_needs_messaging_server, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_browser_by_ip_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload_spread_over_flows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_choice_between_staged_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closest_of_two_in_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_is_same_staging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_decides_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_tuple_and_new_socket, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
