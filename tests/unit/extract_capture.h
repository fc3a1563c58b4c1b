/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test helper of the extraction tests: an extract_sink that keeps the text it receives, each
 * document part written as a marker line ("\n[[TABLE]]\n"), helpers to run the extractor on
 * a file of tests/data or ../shared, a cmocka fixture and assertions on the text. Include it
 * after <cmocka.h>. Synthetic data only.
 */
#ifndef RAQIB_TESTS_EXTRACT_CAPTURE_H
#define RAQIB_TESTS_EXTRACT_CAPTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract/extract.h"

struct capture {
	char *text;
	size_t len, cap;
	size_t max; /* stop keeping text past this (the extractor still runs) */
};

static int capture_append(struct capture *c, const char *p, size_t n)
{
	if (c->max && c->len + n > c->max)
		n = c->len < c->max ? c->max - c->len : 0;
	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *grown;

		while (cap < c->len + n + 1)
			cap *= 2;
		grown = realloc(c->text, cap);
		if (!grown)
			return -ENOMEM;
		c->text = grown;
		c->cap = cap;
	}
	memcpy(c->text + c->len, p, n);
	c->len += n;
	c->text[c->len] = '\0';
	return 0;
}

static int capture_part(void *ctx, enum rules_part part)
{
	static const char *const names[] = { "BODY",  "HEADER", "FOOTER",
					     "TABLE", "SHEET",	"ATTACHMENT" };
	char marker[32];

	snprintf(marker, sizeof(marker), "\n[[%s]]\n", names[part]);
	return capture_append(ctx, marker, strlen(marker));
}

static int capture_feed(void *ctx, const void *buf, size_t len)
{
	return capture_append(ctx, buf, len);
}

static void capture_release(struct capture *c)
{
	free(c->text);
	memset(c, 0, sizeof(*c));
}

/* Extracts path (absolute, or relative to tests/data) into c; returns extract_fd_sink()'s. */
static int capture_file(const char *path, const struct extract_limits *limits, struct capture *c,
			struct extract_result *res)
{
	struct extract_sink sink = { capture_part, capture_feed, c };
	char full[1024];
	int fd, err;

	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", RAQIB_TEST_DATA_DIR, path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = extract_fd_sink(fd, limits, &sink, res);
	close(fd);
	if (!c->text)
		capture_append(c, "", 0);
	return err;
}

/* The state of one test: limits (defaults), the captured text, the result. */
struct fixture {
	struct extract_limits limits;
	struct capture cap;
	struct extract_result res;
	long rss_before_kib; /* peak RSS of the process at setup (hostile tests) */
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	extract_limits_default(&f->limits);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	capture_release(&f->cap);
	free(f);
	return 0;
}

static void assert_has(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("'%s' not in extracted text:\n%s", needle, haystack);
}

#endif /* RAQIB_TESTS_EXTRACT_CAPTURE_H */
