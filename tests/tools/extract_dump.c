// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test and benchmark helper: extracts files the way the agent does and prints, per file, the
 * result (status, reason, MIME type, bytes read, text bytes) and with --text the text itself,
 * each document part announced on a line of its own ("[[TABLE]]"). With --scan the text goes
 * to a scan of the built-in rules instead and the number of findings is printed. It prints
 * document text: for synthetic test data only, never a tool for real files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raqib/rules.h"
#include "extract/extract.h"

static const char *const part_names[] = {
	"BODY", "HEADER", "FOOTER", "TABLE", "SHEET", "ATTACHMENT"
};

static int print_part(void *ctx, enum rules_part part)
{
	printf("\n[[%s]]\n", part_names[part]);
	return 0;
}

static int print_text(void *ctx, const void *buf, size_t len)
{
	fwrite(buf, 1, len, stdout);
	return 0;
}

static int drop_part(void *ctx, enum rules_part part)
{
	return 0;
}

static int drop_text(void *ctx, const void *buf, size_t len)
{
	return 0;
}

int main(int argc, char **argv)
{
	struct extract_sink printer = { print_part, print_text, NULL };
	struct extract_sink dropper = { drop_part, drop_text, NULL };
	bool text = false, scan = false, quiet = false;
	struct extract_limits limits;
	struct rules *rules = NULL;
	struct rules_scan *sc = NULL;
	struct rules_error rerr;
	int status = 0;

	extract_limits_default(&limits);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--text") == 0) {
			text = true;
		} else if (strcmp(argv[i], "--scan") == 0) {
			scan = true;
		} else if (strcmp(argv[i], "--quiet") == 0) {
			quiet = true;
		} else if (strncmp(argv[i], "--max-ms=", 9) == 0) {
			char *end;
			unsigned long ms;

			errno = 0;
			ms = strtoul(argv[i] + 9, &end, 10);
			if (errno || end == argv[i] + 9 || *end || ms > 3600000) {
				fprintf(stderr, "extract_dump: bad --max-ms '%s'\n", argv[i] + 9);
				return 2;
			}
			limits.max_ms = (unsigned)ms;
		} else {
			struct extract_result res;
			struct rules_verdict verdict;
			int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
			int err;

			if (fd < 0) {
				fprintf(stderr, "extract_dump: cannot open '%s': %s\n", argv[i],
					strerror(errno));
				status = 1;
				continue;
			}
			if (scan && !rules) {
				rules = rules_new_builtin(&rerr);
				sc = rules ? rules_scan_new(rules) : NULL;
				if (!sc) {
					fprintf(stderr, "extract_dump: cannot build the rules\n");
					return 1;
				}
			}
			if (scan)
				err = extract_fd(fd, &limits, sc, &res);
			else
				err = extract_fd_sink(fd, &limits, text ? &printer : &dropper,
						      &res);
			close(fd);
			if (err) {
				fprintf(stderr, "extract_dump: cannot extract '%s': %s\n", argv[i],
					strerror(-err));
				status = 1;
				continue;
			}
			if (scan && rules_scan_finish(sc, &verdict) == 0) {
				if (!quiet)
					printf("%s findings=%zu\n", argv[i], verdict.n_findings);
				rules_verdict_release(&verdict);
			}
			if (!quiet)
				printf("%s%s status=%s reason=\"%s\" mime=%s read=%llu text=%llu\n",
				       text ? "\n" : "", argv[i], extract_status_name(res.status),
				       res.reason, res.mime_type,
				       (unsigned long long)res.bytes_read,
				       (unsigned long long)res.text_bytes);
		}
	}
	rules_scan_free(sc);
	rules_free(rules);
	return status;
}
