// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile inputs (tests/data/hostile/, made by tests/data/extract/make_docs.py): bombs, deep
 * nesting, damaged and encrypted files. Each must end with a clear status and reason, within
 * bounded resources:
 * - memory: the growth of this process's peak RSS (getrusage) stays under MAX_GROWTH_KIB, and
 *   outside AddressSanitizer the process runs under an RLIMIT_AS that a runaway allocation
 *   would hit; the PDF parser child's peak RSS (RUSAGE_CHILDREN) stays under its own limit;
 * - time: the CPU time of each extraction stays under the time limit the extractor itself
 *   enforces (limits.max_ms), and a slow file is cut by it with a "time limit" reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/time.h>

#include <cmocka.h>

#include "extract_capture.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define MAX_GROWTH_KIB (96 * 1024)
#define PARSER_MEMORY  (512ull << 20)

static long cpu_ms(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

static long peak_rss_kib(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return ru.ru_maxrss;
}

static int setup(void **state)
{
	struct fixture *f;

	if (fixture_setup(state))
		return -1;
	f = *state;
	f->limits.max_ms = 5000;
	f->limits.max_parser_memory_bytes = PARSER_MEMORY;
	f->rss_before_kib = peak_rss_kib(RUSAGE_SELF);
	return 0;
}

/* Extracts path and checks the resource bounds; returns the text. */
static const char *extract_bounded(struct fixture *f, const char *path)
{
	long self_before = cpu_ms(RUSAGE_SELF), children_before = cpu_ms(RUSAGE_CHILDREN);
	long spent;

	capture_release(&f->cap);
	f->cap.max = 1 << 20;
	assert_int_equal(capture_file(path, &f->limits, &f->cap, &f->res), 0);
	spent = cpu_ms(RUSAGE_SELF) - self_before + cpu_ms(RUSAGE_CHILDREN) - children_before;
	if (spent > (long)f->limits.max_ms + 1000)
		fail_msg("'%s' took %ld ms of CPU, limit %u ms", path, spent, f->limits.max_ms);
	if (peak_rss_kib(RUSAGE_SELF) - f->rss_before_kib > MAX_GROWTH_KIB)
		fail_msg("'%s' grew the peak RSS by %ld KiB", path,
			 peak_rss_kib(RUSAGE_SELF) - f->rss_before_kib);
	assert_true((uint64_t)peak_rss_kib(RUSAGE_CHILDREN) * 1024 <= PARSER_MEMORY);
	return f->cap.text;
}

static void assert_result(const struct fixture *f, enum extract_status status, const char *reason)
{
	if (f->res.status != status || !strstr(f->res.reason, reason))
		fail_msg("got status %s reason '%s', want %s with '%s'",
			 extract_status_name(f->res.status), f->res.reason,
			 extract_status_name(status), reason);
}

static void test_zip_bomb(void **state)
{
	struct fixture *f = *state;

	extract_bounded(f, "hostile/zip-bomb.zip");
	assert_result(f, EXTRACT_PARTIAL, "compression ratio limit of 100");
	/* without the ratio, the expanded-size limit stops it */
	f->limits.max_ratio = 0;
	f->limits.max_expanded_bytes = 4u << 20;
	extract_bounded(f, "hostile/zip-bomb.zip");
	assert_result(f, EXTRACT_PARTIAL, "expanded size limit of 4194304");
}

static void test_bzip2_bomb(void **state)
{
	struct fixture *f = *state;

	extract_bounded(f, "hostile/bzip2-bomb.bz2");
	assert_result(f, EXTRACT_PARTIAL, "compression ratio limit");
	assert_true(f->res.text_bytes < (2u << 20));
}

static void test_nested_archives(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_bounded(f, "hostile/nested.zip");

	assert_result(f, EXTRACT_PARTIAL, "nesting depth limit of 4");
	assert_null(strstr(t, "BK734021"));
	/* 13 levels fit a limit of 16: the text at the bottom is reached */
	f->limits.max_depth = 16;
	t = extract_bounded(f, "hostile/nested.zip");
	assert_result(f, EXTRACT_COMPLETE, "");
	assert_has(t, "CIN BK734021");
}

static void test_billion_laughs(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_bounded(f, "hostile/billion-laughs.docx");

	assert_result(f, EXTRACT_PARTIAL, "'word/document.xml'");
	assert_null(strstr(t, "lol"));
	assert_true(f->res.text_bytes < 100);
}

static void test_deep_xml(void **state)
{
	struct fixture *f = *state;

	extract_bounded(f, "hostile/deep-xml.docx");
	assert_result(f, EXTRACT_PARTIAL, "malformed XML in 'word/document.xml'");
}

static void test_damaged_pdfs(void **state)
{
	struct fixture *f = *state;
	const char *t;

	extract_bounded(f, "hostile/truncated.pdf");
	assert_result(f, EXTRACT_PARTIAL, "unreadable PDF");
	extract_bounded(f, "hostile/garbage.pdf");
	assert_result(f, EXTRACT_PARTIAL, "unreadable PDF");
	/* a page tree that contains itself: the readable page is read, the loop is not followed */
	t = extract_bounded(f, "hostile/page-loop.pdf");
	assert_result(f, EXTRACT_PARTIAL, "unreadable PDF pages");
	assert_has(t, "boucle");
}

static void test_pdf_time_and_text_limits(void **state)
{
	struct fixture *f = *state;

	/* 200 pages of glyphs: seconds of parsing, cut by the time limit */
	f->limits.max_ms = 300;
	extract_bounded(f, "hostile/glyph-bomb.pdf");
	assert_result(f, EXTRACT_PARTIAL, "time limit of 300 ms");

	f->limits.max_ms = 60000;
	f->limits.max_text_bytes = 1u << 20;
	extract_bounded(f, "hostile/glyph-bomb.pdf");
	assert_result(f, EXTRACT_PARTIAL, "text limit of 1048576");
	assert_int_equal(f->res.text_bytes, 1u << 20);
}

/* First of the tests, while this process's heap holds little free memory a child could reuse. */
static void test_pdf_memory_limit(void **state)
{
#ifdef UNDER_ASAN
	skip(); /* no RLIMIT_AS under AddressSanitizer */
#else
	struct fixture *f = *state;

	/* each page of the glyph bomb needs tens of MiB of text layout: 2 MiB is not enough */
	f->limits.max_parser_memory_bytes = 2u << 20;
	extract_bounded(f, "hostile/glyph-bomb.pdf");
	assert_result(f, EXTRACT_PARTIAL, "PDF parser");
#endif
}

static void test_invalid_utf16(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_bounded(f, "hostile/invalid-utf16.txt");

	assert_result(f, EXTRACT_PARTIAL, "3 invalid UTF-16LE sequences replaced");
	assert_string_equal(t, "CIN BK734021 \xef\xbf\xbd"
			       "A\xef\xbf\xbd"
			       "fin\xef\xbf\xbd");
}

static void test_deep_rtf_and_mime(void **state)
{
	struct fixture *f = *state;

	extract_bounded(f, "hostile/deep.rtf");
	assert_result(f, EXTRACT_PARTIAL, "RTF group nesting deeper than 512");
	extract_bounded(f, "hostile/deep-mime.eml");
	assert_result(f, EXTRACT_PARTIAL, "MIME nesting deeper than 64");
}

static void test_encrypted(void **state)
{
	static const struct {
		const char *path;
		const char *reason;
	} cases[] = {
		{ "hostile/encrypted.zip", "encrypted archive member" },
		{ "hostile/encrypted.7z", "encrypted archive member" },
		{ "hostile/encrypted-names.7z", "encrypted archive" },
		{ "hostile/encrypted.pdf", "password-protected PDF" },
		{ "hostile/encrypted-ooxml.docx", "password-protected Office document" },
		{ "hostile/encrypted.odt", "password-protected OpenDocument file" },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = extract_bounded(f, cases[i].path);

		assert_result(f, EXTRACT_ENCRYPTED, cases[i].reason);
		assert_null(strstr(t, "BK734021"));
	}
}

static void test_not_inspected(void **state)
{
	struct fixture *f = *state;
	struct extract_sink sink = { capture_part, capture_feed, &f->cap };
	unsigned char noise[4096];

	extract_bounded(f, "hostile/image.png");
	assert_result(f, EXTRACT_NOT_INSPECTED, "image/png");
	assert_string_equal(f->res.mime_type, "image/png");
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (unsigned char)((i * 2654435761u) >> 13);
	assert_int_equal(extract_buffer_sink(noise, sizeof(noise), &f->limits, &sink, &f->res), 0);
	assert_int_equal(f->res.status, EXTRACT_NOT_INSPECTED);
	assert_int_equal(f->res.text_bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pdf_memory_limit, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_zip_bomb, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bzip2_bomb, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_nested_archives, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_billion_laughs, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_deep_xml, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_damaged_pdfs, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pdf_time_and_text_limits, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf16, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_deep_rtf_and_mime, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_encrypted, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_not_inspected, setup, fixture_teardown),
	};

#ifndef UNDER_ASAN
	/* a runaway allocation in this process fails instead of eating the machine */
	struct rlimit as = { 4ull << 30, 4ull << 30 };

	setrlimit(RLIMIT_AS, &as);
#endif
	return cmocka_run_group_tests(tests, NULL, NULL);
}
