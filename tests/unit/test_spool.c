// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the outbox's spool: records come back in order and leave only when acked;
 * a reopened spool resumes (pending records, sequence numbers); damaged records are skipped
 * and counted; a record cut by a crash is cut off; a full disk, a failed sync and a failed
 * allocation leave the spool as it was; the quota; numbering after a machine crash. The
 * storage seam (struct spool_ops) injects the failures; spool_check() runs after each step.
 */
#include <errno.h>
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
#include <zlib.h>

#include "outbox/spool.h"

struct fixture {
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/raqib-test-spool.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0) /* NOLINT(cert-env33-c): the test's own temporary directory */
		return -1;
	free(f);
	return 0;
}

/* Failure injection through the storage seam. */
static long pwrite_budget = -1; /* bytes writable before ENOSPC; -1: no limit */
static int fail_syncs; /* fdatasync() calls that fail from now on */
static int fail_allocs = -1; /* successful allocations before one fails; -1: none */
static uint64_t fake_now_ms;

static ssize_t test_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (pwrite_budget >= 0) {
		if (pwrite_budget == 0) {
			errno = ENOSPC;
			return -1;
		}
		if ((long)len > pwrite_budget)
			len = (size_t)pwrite_budget; /* a short write, as a nearly full disk gives */
		pwrite_budget -= (long)len;
	}
	return pwrite(fd, buf, len, off);
}

static int test_fdatasync(int fd)
{
	if (fail_syncs) {
		errno = EIO;
		return -1;
	}
	return fdatasync(fd);
}

static void *test_reallocarray(void *p, size_t n, size_t size)
{
	if (fail_allocs == 0)
		return NULL;
	if (fail_allocs > 0)
		fail_allocs--;
	return reallocarray(p, n, size);
}

static uint64_t test_clock(void)
{
	return fake_now_ms;
}

static const struct spool_ops test_ops = {
	.pwrite = test_pwrite,
	.fdatasync = test_fdatasync,
	.reallocarray = test_reallocarray,
	.clock_ms = test_clock,
};

static struct spool *open_spool(const struct fixture *f, uint64_t max_bytes, uint64_t segment_bytes,
				enum spool_fsync fsync)
{
	struct spool_config cfg = {
		.dir = f->dir,
		.max_bytes = max_bytes,
		.segment_bytes = segment_bytes,
		.fsync = fsync,
		.fsync_interval_ms = 100,
		.ops = &test_ops,
	};
	char err[256];
	struct spool *s;

	pwrite_budget = -1;
	fail_syncs = 0;
	fail_allocs = -1;
	s = spool_open(&cfg, err, sizeof(err));
	if (!s)
		fail_msg("spool_open: %s", err);
	assert_int_equal(spool_check(s), 0);
	return s;
}

static void append_n(struct spool *s, int n)
{
	for (int i = 0; i < n; i++) {
		char text[64];
		uint64_t seq = spool_next_seq(s);

		snprintf(text, sizeof(text), "alert %llu", (unsigned long long)seq);
		assert_int_equal(spool_append(s, seq, 47, text, strlen(text)), 0);
		assert_int_equal(spool_check(s), 0);
	}
}

struct collected {
	uint64_t seqs[4096];
	size_t n;
	bool bad_text;
};

static int collect(void *ctx, const struct spool_record *rec)
{
	struct collected *c = ctx;
	char want[64];

	snprintf(want, sizeof(want), "alert %llu", (unsigned long long)rec->seq);
	if (rec->len != strlen(want) || memcmp(rec->data, want, rec->len) != 0)
		c->bad_text = true;
	c->seqs[c->n++] = rec->seq;
	return 0;
}

/* Reads and acks everything pending; returns the sequence numbers in order. */
static void drain(struct spool *s, struct collected *c, size_t batch)
{
	int n;

	memset(c, 0, sizeof(*c));
	while ((n = spool_read(s, batch, 1u << 20, collect, c)) > 0) {
		assert_int_equal(spool_ack(s, c->seqs[c->n - 1]), 0);
		assert_int_equal(spool_check(s), 0);
	}
	assert_int_equal(n, 0);
	assert_false(c->bad_text);
}

static size_t count_segments(const struct fixture *f)
{
	char cmd[160];
	FILE *p;
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -c '\\.seg$'", f->dir);
	p = popen(cmd, "r"); /* NOLINT(cert-env33-c): the test's own directory */
	assert_non_null(p);
	if (fscanf(p, "%zu", &n) != 1)
		n = 0;
	pclose(p);
	return n;
}

static void test_in_order_and_acked(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 1u << 20, 300, SPOOL_FSYNC_ALWAYS);
	struct spool_stats st;
	struct collected c;

	assert_int_equal(spool_next_seq(s), 1);
	append_n(s, 50);
	/* a record not handed out cannot be acked; a wrong sequence cannot be appended */
	assert_int_equal(spool_ack(s, 10), -EINVAL);
	assert_int_equal(spool_append(s, 7, 47, "x", 1), -EINVAL);
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 50);
	assert_true(st.segments > 1); /* 300-byte segments */
	/* read without ack: the same records again */
	memset(&c, 0, sizeof(c));
	assert_int_equal(spool_read(s, 5, 1u << 20, collect, &c), 5);
	assert_int_equal(spool_read(s, 5, 1u << 20, collect, &c), 5);
	assert_int_equal(c.seqs[5], 1);
	/* ack part of a batch: the rest comes again */
	memset(&c, 0, sizeof(c));
	assert_int_equal(spool_read(s, 10, 1u << 20, collect, &c), 10);
	assert_int_equal(spool_ack(s, 4), 0);
	drain(s, &c, 7);
	assert_int_equal(c.n, 46);
	for (size_t i = 0; i < c.n; i++)
		assert_int_equal(c.seqs[i], 5 + i);
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.acked_seq, 50);
	assert_int_equal(count_segments(f), 0); /* delivered segments are deleted */
	spool_close(s);
}

static void test_byte_limit_of_a_read(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_NEVER);
	struct collected c = { 0 };

	append_n(s, 10); /* "alert N": 7 or 8 bytes */
	assert_int_equal(spool_read(s, 100, 20, collect, &c), 2);
	/* at least one record, whatever the limit */
	memset(&c, 0, sizeof(c));
	assert_int_equal(spool_read(s, 100, 1, collect, &c), 1);
	spool_close(s);
}

static void test_reopen_resumes(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 1u << 20, 200, SPOOL_FSYNC_INTERVAL);
	struct spool_stats st;
	struct collected c = { 0 };

	append_n(s, 30);
	assert_int_equal(spool_read(s, 12, 1u << 20, collect, &c), 12);
	assert_int_equal(spool_ack(s, 12), 0);
	spool_close(s);

	s = open_spool(f, 1u << 20, 200, SPOOL_FSYNC_INTERVAL);
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 18);
	assert_int_equal(st.corrupt_records, 0);
	assert_int_equal(st.seq_skipped, 0); /* same boot: nothing skipped */
	assert_int_equal(spool_next_seq(s), 31);
	append_n(s, 2);
	drain(s, &c, 5);
	assert_int_equal(c.n, 20);
	assert_int_equal(c.seqs[0], 13);
	assert_int_equal(c.seqs[19], 32);
	spool_close(s);

	/* an empty spool keeps its numbering */
	s = open_spool(f, 1u << 20, 200, SPOOL_FSYNC_INTERVAL);
	assert_int_equal(spool_next_seq(s), 33);
	spool_close(s);
}

static void test_second_process_refused(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_NEVER);
	struct spool_config cfg = { .dir = f->dir, .max_bytes = 1u << 20 };
	char err[256];

	errno = 0;
	assert_null(spool_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EBUSY);
	assert_non_null(strstr(err, "in use by another raqib-agent"));
	spool_close(s);
}

/* Flips one byte at offset of the oldest segment. */
static void damage(const struct fixture *f, long offset)
{
	char path[128];
	FILE *fp;
	int c;

	snprintf(path, sizeof(path), "%s/%020d.seg", f->dir, 1);
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
	c = fgetc(fp);
	assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
	fputc(c ^ 0x40, fp);
	fclose(fp);
}

static void test_damaged_records_skipped(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_ALWAYS);
	struct spool_stats st;
	struct collected c;
	/* records 1..9 are 24 + 7 bytes, 10.. are 24 + 8 */
	long rec = SPOOL_RECORD_HEADER_BYTES + 7;

	append_n(s, 20);
	spool_close(s);
	damage(f, 4 * rec + SPOOL_RECORD_HEADER_BYTES + 2); /* payload of record 5 */
	damage(f, 6 * rec + 1); /* magic of record 7 */
	s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_ALWAYS);
	spool_get_stats(s, &st);
	assert_int_equal(st.corrupt_records, 2);
	assert_int_equal(st.corrupt_bytes, 2 * rec);
	assert_int_equal(st.pending, 18);
	assert_int_equal(spool_next_seq(s), 21);
	drain(s, &c, 4);
	assert_int_equal(c.n, 18);
	for (size_t i = 0, want = 1; i < c.n; i++, want++) {
		if (want == 5 || want == 7)
			want++;
		assert_int_equal(c.seqs[i], want);
	}
	spool_close(s);
}

static void test_torn_tail_cut(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_ALWAYS);
	struct spool_stats st;
	struct collected c;
	char path[128];
	struct stat sb;

	append_n(s, 3);
	spool_close(s);
	/* the agent died half-way through writing record 4 */
	snprintf(path, sizeof(path), "%s/%020d.seg", f->dir, 1);
	{
		uint8_t hdr[SPOOL_RECORD_HEADER_BYTES];
		int fd = open(path, O_WRONLY | O_APPEND);

		assert_true(fd >= 0);
		spool_record_header(hdr, 4, 47, "alert 4", 7);
		assert_int_equal(write(fd, hdr, sizeof(hdr)), sizeof(hdr));
		assert_int_equal(write(fd, "ale", 3), 3);
		close(fd);
	}
	s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_ALWAYS);
	spool_get_stats(s, &st);
	assert_int_equal(st.torn_bytes, SPOOL_RECORD_HEADER_BYTES + 3);
	assert_int_equal(st.corrupt_records, 0);
	assert_int_equal(st.pending, 3);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 3 * (SPOOL_RECORD_HEADER_BYTES + 7));
	/* record 4 never was: its number is given again (it was never accepted nor sent) */
	assert_int_equal(spool_next_seq(s), 4);
	append_n(s, 1);
	drain(s, &c, 10);
	assert_int_equal(c.n, 4);
	spool_close(s);
}

static void test_disk_full_leaves_spool_intact(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_ALWAYS);
	struct spool_stats st;
	struct collected c;
	char path[128];
	struct stat sb;

	append_n(s, 5);
	/* room for a header and half a payload, then ENOSPC */
	pwrite_budget = SPOOL_RECORD_HEADER_BYTES + 3;
	assert_int_equal(spool_append(s, 6, 47, "alert 6", 7), -ENOSPC);
	assert_int_equal(spool_check(s), 0);
	pwrite_budget = 0;
	assert_int_equal(spool_append(s, 6, 47, "alert 6", 7), -ENOSPC);
	snprintf(path, sizeof(path), "%s/%020d.seg", f->dir, 1);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 5 * (SPOOL_RECORD_HEADER_BYTES + 7)); /* nothing partial */
	spool_get_stats(s, &st);
	assert_int_equal(st.write_errors, 2);
	assert_int_equal(spool_next_seq(s), 6);
	/* space again */
	pwrite_budget = -1;
	append_n(s, 1);
	spool_close(s);
	s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_ALWAYS);
	spool_get_stats(s, &st);
	assert_int_equal(st.corrupt_records, 0);
	assert_int_equal(st.torn_bytes, 0);
	drain(s, &c, 100);
	assert_int_equal(c.n, 6);
	spool_close(s);
}

static void test_failed_sync_refuses(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_ALWAYS);
	struct spool_stats st;

	append_n(s, 2);
	fail_syncs = 1;
	assert_int_equal(spool_append(s, 3, 47, "alert 3", 7), -EIO);
	assert_int_equal(spool_check(s), 0);
	fail_syncs = 0;
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 2);
	assert_int_equal(spool_next_seq(s), 3);
	spool_close(s);
}

static void test_quota(void **state)
{
	struct fixture *f = *state;
	/* each record is 31 or 32 bytes */
	struct spool *s = open_spool(f, 100, 1u << 20, SPOOL_FSYNC_NEVER);
	struct collected c = { 0 };

	append_n(s, 3);
	assert_int_equal(spool_append(s, 4, 99, "alert 4", 7), -ENOSPC);
	assert_int_equal(spool_used_bytes(s), 93);
	assert_int_equal(spool_max_bytes(s), 100);
	/* delivering frees room */
	assert_int_equal(spool_read(s, 3, 1u << 20, collect, &c), 3);
	assert_int_equal(spool_ack(s, 3), 0);
	append_n(s, 3);
	assert_int_equal(spool_check(s), 0);
	spool_close(s);
}

static void test_too_large(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 8u << 20, 1u << 20, SPOOL_FSYNC_NEVER);
	char *big = calloc(1, SPOOL_RECORD_MAX_BYTES + 1);

	assert_non_null(big);
	assert_int_equal(spool_append(s, 1, 47, big, SPOOL_RECORD_MAX_BYTES + 1), -EFBIG);
	memset(big, 'x', SPOOL_RECORD_MAX_BYTES);
	assert_int_equal(spool_append(s, 1, 47, big, SPOOL_RECORD_MAX_BYTES), 0);
	free(big);
	spool_close(s);
}

static void test_interval_sync(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_INTERVAL);
	struct spool_stats st;

	fake_now_ms = 1000;
	append_n(s, 1);
	spool_get_stats(s, &st);
	assert_int_equal(st.syncs, 0);
	assert_false(spool_sync_is_due(s));
	fake_now_ms = 1050;
	append_n(s, 1);
	assert_false(spool_sync_is_due(s));
	fake_now_ms = 1100;
	assert_true(spool_sync_is_due(s));
	/* the next append (or the outbox's thread) syncs what waited */
	append_n(s, 1);
	spool_get_stats(s, &st);
	assert_int_equal(st.syncs, 1);
	assert_false(spool_sync_is_due(s));
	spool_close(s);
}

static void test_allocation_failures(void **state)
{
	struct fixture *f = *state;
	struct spool_config cfg = {
		.dir = f->dir,
		.max_bytes = 1u << 20,
		.segment_bytes = 64,
		.ops = &test_ops,
	};
	struct collected c = { 0 };
	char err[256];
	struct spool *s;
	int opened = 0;

	/* every allocation of spool_open() fails in turn: NULL and ENOMEM, nothing leaked */
	for (int i = 0; i < 8; i++) {
		fail_allocs = i;
		s = spool_open(&cfg, err, sizeof(err));
		if (s) {
			opened++;
			fail_allocs = -1;
			spool_close(s);
			continue;
		}
		assert_int_equal(errno, ENOMEM);
		assert_non_null(strstr(err, "out of memory"));
	}
	assert_true(opened > 0);
	fail_allocs = -1;
	s = spool_open(&cfg, err, sizeof(err));
	assert_non_null(s);
	/* growing the segment table and the read batch */
	append_n(s, 2);
	fail_allocs = 0;
	for (int i = 0; i < 20; i++) {
		uint64_t seq = spool_next_seq(s);
		int rc = spool_append(s, seq, 47, "alert xx", 8);

		assert_true(rc == 0 || rc == -ENOMEM);
		assert_int_equal(spool_check(s), 0);
	}
	assert_int_equal(spool_read(s, 64, 1u << 20, collect, &c), -ENOMEM);
	fail_allocs = -1;
	spool_close(s);
}

static void test_codec(void **state)
{
	uint8_t buf[SPOOL_RECORD_HEADER_BYTES + 5];
	struct spool_record rec;
	size_t n;

	(void)state;
	spool_record_header(buf, 42, 73, "hello", 5);
	memcpy(buf + SPOOL_RECORD_HEADER_BYTES, "hello", 5);
	assert_int_equal(spool_record_decode(buf, sizeof(buf), &rec, &n), 0);
	assert_int_equal(rec.seq, 42);
	assert_int_equal(rec.severity, 73);
	assert_int_equal(rec.len, 5);
	assert_int_equal(n, sizeof(buf));
	assert_int_equal(spool_record_decode(buf, sizeof(buf) - 1, &rec, &n), -EAGAIN);
	assert_int_equal(spool_record_decode(buf, 2, &rec, &n), -EAGAIN);
	buf[SPOOL_RECORD_HEADER_BYTES] ^= 1;
	assert_int_equal(spool_record_decode(buf, sizeof(buf), &rec, &n), -EBADMSG);
	buf[SPOOL_RECORD_HEADER_BYTES] ^= 1;
	buf[0] ^= 1;
	assert_int_equal(spool_record_decode(buf, sizeof(buf), &rec, &n), -EBADMSG);
	assert_int_equal(spool_record_decode(buf, 2, &rec, &n), -EBADMSG);
}

/*
 * A machine crash: the process never closed the spool, and the machine restarted (another boot
 * id). The state file as it was before the close is put back with another boot id; its CRC-32
 * (zlib, over bytes 0..123 of each 128-byte slot) is made again.
 */
static void test_machine_crash_skips_reserved(void **state)
{
	struct fixture *f = *state;
	struct spool *s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_NEVER);
	struct spool_stats st;
	uint8_t slots[256];
	char path[128];
	int fd;

	append_n(s, 3);
	snprintf(path, sizeof(path), "%s/state", f->dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, slots, sizeof(slots)), sizeof(slots));
	close(fd);
	spool_close(s);
	for (int k = 0; k < 2; k++) {
		uint8_t *p = slots + 128 * k;
		uLong crc;

		memcpy(p + 40, "00000000-0000-0000-0000-000000000000", 36);
		crc = crc32(crc32(0L, Z_NULL, 0), p, 124);
		for (int i = 0; i < 4; i++)
			p[124 + i] = (uint8_t)(crc >> (8 * i));
	}
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, slots, sizeof(slots), 0), sizeof(slots));
	close(fd);

	s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_NEVER);
	spool_get_stats(s, &st);
	/* the first append reserved 1..1024 on disk: numbering resumes above it */
	assert_int_equal(spool_next_seq(s), 1025);
	assert_int_equal(st.seq_skipped, 1021);
	assert_int_equal(st.pending, 3);
	spool_close(s);

	/* closed cleanly this time: nothing more is skipped */
	s = open_spool(f, 1u << 20, 1u << 20, SPOOL_FSYNC_NEVER);
	spool_get_stats(s, &st);
	assert_int_equal(st.seq_skipped, 0);
	assert_int_equal(spool_next_seq(s), 1025);
	spool_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order_and_acked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_limit_of_a_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_process_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_records_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full_leaves_spool_intact, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_sync_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interval_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocation_failures, setup, teardown),
		cmocka_unit_test(test_codec),
		cmocka_unit_test_setup_teardown(test_machine_crash_skips_reserved, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
