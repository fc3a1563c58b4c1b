// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of ring-buffer record validation: sizes, versions, kinds, tails. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sensors/event_decode.h"

static size_t make_open(union event_buf *rec, const char *path)
{
	size_t len = strlen(path);

	memset(rec, 0, sizeof(*rec));
	rec->open.hdr.kind = RAQIB_EV_OPEN;
	rec->open.hdr.version = RAQIB_EVENT_VERSION;
	rec->open.path_len = (__u32)len;
	memcpy(rec->open.path, path, len + 1);
	rec->open.hdr.size = (__u32)(offsetof(struct raqib_event_open, path) + len + 1);
	memset(rec->open.hdr.comm, 'x', sizeof(rec->open.hdr.comm)); /* not terminated */
	return rec->open.hdr.size;
}

static void test_valid_open(void **state)
{
	union event_buf rec, out;
	size_t size = make_open(&rec, "doc.pdf/u/home/"); /* leaf first, as the kernel writes */

	(void)state;
	assert_int_equal(event_decode(&rec, size, &out), 0);
	assert_string_equal(out.open.path, "/home/u/doc.pdf");
	assert_int_equal(out.open.path_len, strlen("/home/u/doc.pdf"));
	assert_int_equal(strlen(out.hdr.comm), RAQIB_COMM_LEN - 1);

	size = make_open(&rec, ""); /* a file that is the root of the namespace */
	assert_int_equal(event_decode(&rec, size, &out), 0);
	assert_string_equal(out.open.path, "/");

	/* cut at RAQIB_PATH_MAX: the top and the name cut in two are gone, the path is relative */
	size = make_open(&rec, "doc.pdf/u/ho");
	rec.open.flags = RAQIB_EVF_TRUNCATED;
	assert_int_equal(event_decode(&rec, size, &out), 0);
	assert_string_equal(out.open.path, "u/doc.pdf");
	size = make_open(&rec, "doc.pdf/u/home/");
	rec.open.flags = RAQIB_EVF_TRUNCATED; /* depth limit: whole names, top unknown */
	assert_int_equal(event_decode(&rec, size, &out), 0);
	assert_string_equal(out.open.path, "home/u/doc.pdf");
}

static void test_size_mismatch(void **state)
{
	union event_buf rec, out;
	size_t size = make_open(&rec, "/a");

	(void)state;
	assert_int_equal(event_decode(&rec, size - 1, &out), -EPROTO); /* header disagrees */
	rec.open.hdr.size = (__u32)(size - 1);
	assert_int_equal(event_decode(&rec, size - 1, &out), -EPROTO); /* tail disagrees */
	size = make_open(&rec, "/a");
	rec.open.path_len = RAQIB_PATH_MAX; /* out of bounds */
	assert_int_equal(event_decode(&rec, size, &out), -EPROTO);
	assert_int_equal(event_decode(&rec, 10, &out), -EPROTO); /* shorter than a header */
	assert_int_equal(event_decode(&rec, sizeof(rec) + 8, &out), -EPROTO);
}

static void test_version_and_kind(void **state)
{
	union event_buf rec, out;
	size_t size = make_open(&rec, "/a");

	(void)state;
	rec.hdr.version = RAQIB_EVENT_VERSION + 1;
	assert_int_equal(event_decode(&rec, size, &out), -EPROTONOSUPPORT);
	rec.hdr.version = RAQIB_EVENT_VERSION;
	rec.hdr.kind = 99;
	assert_int_equal(event_decode(&rec, size, &out), -ENOENT);
}

static void test_exit_is_fixed_size(void **state)
{
	union event_buf rec, out;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	rec.exit.hdr.kind = RAQIB_EV_EXIT;
	rec.exit.hdr.version = RAQIB_EVENT_VERSION;
	rec.exit.hdr.size = sizeof(rec.exit);
	assert_int_equal(event_decode(&rec, sizeof(rec.exit), &out), 0);
	rec.exit.hdr.size = sizeof(rec.exit) + 8;
	assert_int_equal(event_decode(&rec, sizeof(rec.exit) + 8, &out), -EPROTO);
}

static void test_fixed_size_kinds(void **state)
{
	static const struct {
		__u16 kind;
		size_t size;
	} kinds[] = {
		{ RAQIB_EV_FORK, sizeof(struct raqib_event_fork) },
		{ RAQIB_EV_CLOSE, sizeof(struct raqib_event_close) },
		{ RAQIB_EV_CONNECT, sizeof(struct raqib_event_connect) },
		{ RAQIB_EV_FLOW, sizeof(struct raqib_event_flow) },
		{ RAQIB_EV_TLS_BIND, sizeof(struct raqib_event_tls_bind) },
	};
	static union event_buf rec, out;

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		memset(&rec, 0, sizeof(rec));
		rec.hdr.kind = kinds[i].kind;
		rec.hdr.version = RAQIB_EVENT_VERSION;
		rec.hdr.size = (__u32)kinds[i].size;
		assert_int_equal(event_decode(&rec, kinds[i].size, &out), 0);
		rec.hdr.size = (__u32)kinds[i].size - 8; /* a short record of a known kind */
		assert_int_equal(event_decode(&rec, kinds[i].size - 8, &out), -EPROTO);
	}
}

static void test_tls_data_tail(void **state)
{
	static union event_buf rec, out;
	size_t off = offsetof(struct raqib_event_tls_data, data);

	(void)state;
	memset(&rec, 0, sizeof(rec));
	rec.tls_data.hdr.kind = RAQIB_EV_TLS_DATA;
	rec.tls_data.hdr.version = RAQIB_EVENT_VERSION;
	rec.tls_data.len = 5;
	memcpy(rec.tls_data.data, "POST ", 5);
	rec.tls_data.hdr.size = (__u32)(off + 5);
	assert_int_equal(event_decode(&rec, off + 5, &out), 0);
	assert_memory_equal(out.tls_data.data, "POST ", 5);
	rec.tls_data.len = 6; /* claims more than the record holds */
	assert_int_equal(event_decode(&rec, off + 5, &out), -EPROTO);
	rec.tls_data.len = 0;
	rec.tls_data.hdr.size = (__u32)off;
	assert_int_equal(event_decode(&rec, off, &out), -EPROTO);
	rec.tls_data.len = RAQIB_TLS_CHUNK_MAX + 1; /* out of bounds */
	rec.tls_data.hdr.size = (__u32)(off + 5);
	assert_int_equal(event_decode(&rec, off + 5, &out), -EPROTO);
	rec.tls_data.len = RAQIB_TLS_CHUNK_MAX;
	rec.tls_data.hdr.size = (__u32)sizeof(rec.tls_data);
	assert_int_equal(event_decode(&rec, sizeof(rec.tls_data), &out), 0);
}

/* The names tier's packets: a binary tail bounded by RAQIB_PKT_MAX, agreeing with the size. */
static void test_packet_tail(void **state)
{
	static union event_buf rec, out;
	size_t off = offsetof(struct raqib_event_packet, data);

	(void)state;
	memset(&rec, 0, sizeof(rec));
	rec.packet.hdr.kind = RAQIB_EV_PACKET;
	rec.packet.hdr.version = RAQIB_EVENT_VERSION;
	rec.packet.what = RAQIB_PKT_DNS;
	rec.packet.len = 40;
	rec.packet.hdr.size = (__u32)(off + 40);
	assert_int_equal(event_decode(&rec, off + 40, &out), 0);
	assert_int_equal(out.packet.len, 40);
	rec.packet.len = 41; /* more than the record holds */
	assert_int_equal(event_decode(&rec, off + 40, &out), -EPROTO);
	rec.packet.len = RAQIB_PKT_MAX + 1;
	assert_int_equal(event_decode(&rec, off + 40, &out), -EPROTO);
	rec.packet.len = 0;
	rec.packet.hdr.size = (__u32)off;
	assert_int_equal(event_decode(&rec, off, &out), -EPROTO);
	rec.packet.len = RAQIB_PKT_MAX;
	rec.packet.hdr.size = (__u32)sizeof(rec.packet);
	assert_int_equal(event_decode(&rec, sizeof(rec.packet), &out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_open),	 cmocka_unit_test(test_size_mismatch),
		cmocka_unit_test(test_version_and_kind), cmocka_unit_test(test_exit_is_fixed_size),
		cmocka_unit_test(test_fixed_size_kinds), cmocka_unit_test(test_tls_data_tail),
		cmocka_unit_test(test_packet_tail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
