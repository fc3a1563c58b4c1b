/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text extraction: turns a file (or a buffer of bytes from the network) into UTF-8 text fed to
 * a rules scan context, announcing document parts (header, footer, table, sheet, attachment)
 * with rules_scan_begin_part(). It also hashes the raw bytes (SHA-256) while it reads them.
 *
 * Every limit is enforced: past one, extraction stops and the result says "partially
 * inspected" with the reason; it never hangs, crashes or grows without bound.
 */
#ifndef RAQIB_AGENT_EXTRACT_H
#define RAQIB_AGENT_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raqib/rules.h"

struct extract_limits {
	uint64_t max_read_bytes; /* raw bytes read from the file or buffer */
	uint64_t max_text_bytes; /* text fed to the scanner (after decompression, extraction) */
	double max_ratio; /* expanded / compressed bytes of a container member */
	unsigned max_depth; /* nesting of archives and attachments */
	unsigned max_ms; /* wall time per file */
};

/* Defaults: 64 MiB read, 256 MiB text, ratio 100, depth 4, 10 s. */
void extract_limits_default(struct extract_limits *limits);

enum extract_status {
	EXTRACT_COMPLETE, /* everything was inspected */
	EXTRACT_PARTIAL, /* a limit stopped it, or part of the content could not be parsed */
	EXTRACT_ENCRYPTED, /* a password-protected document or archive: content unseen */
	EXTRACT_NOT_INSPECTED, /* a type without text (image, audio...) */
};

struct extract_result {
	enum extract_status status;
	char reason[128]; /* why partial / encrypted / not inspected; empty when complete */
	char mime_type[64]; /* detected from the content, never from the name */
	uint64_t bytes_read;
	uint64_t text_bytes;
	unsigned char sha256[32]; /* of the raw bytes read (the whole file when complete) */
	bool sha256_complete; /* the hash covers the whole input */
};

/*
 * Extracts the content readable from fd (positioned at its start) into scan. Returns 0 and fills
 * out (partial content is a result, not an error), or a negative errno on a read error or -ENOMEM.
 */
int extract_fd(int fd, const struct extract_limits *limits, struct rules_scan *scan,
	       struct extract_result *out);

/* The same for bytes already in memory (an HTTP body, a mail attachment). */
int extract_buffer(const void *buf, size_t len, const struct extract_limits *limits,
		   struct rules_scan *scan, struct extract_result *out);

/* "complete", "partial", "encrypted", "not_inspected". */
const char *extract_status_name(enum extract_status status);

#endif /* RAQIB_AGENT_EXTRACT_H */
