/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text extraction: turns a file (or a buffer of bytes from the network) into UTF-8 text fed to
 * a rules scan context, announcing document parts (header, footer, table, sheet, attachment)
 * with rules_scan_begin_part(). It also hashes the raw bytes (SHA-256) while it reads them.
 *
 * The type comes from the content (libmagic), never from a name. Formats: PDF (poppler, in a
 * sandboxed child process, Arabic in logical order), DOCX, XLSX, PPTX, ODT, ODS, RTF, HTML, CSV,
 * e-mail with its attachments, text in UTF-8/UTF-16/CP1256/ISO-8859-6/Latin-1, and archives
 * (zip, tar, 7z, gzip, bzip2, xz... through libarchive) member by member. Images and other
 * types without text are "not inspected"; password-protected PDFs, Office and OpenDocument
 * files and archives are "encrypted". See docs/extract.md.
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
	uint64_t max_expanded_bytes; /* bytes decompressed from all containers of one file */
	uint64_t max_parser_memory_bytes; /* address space the isolated PDF parser may add */
};

/*
 * Defaults: 64 MiB read, 256 MiB text, ratio 100, depth 4, 10 s, 256 MiB expanded, 1 GiB of
 * address space for the PDF parser.
 */
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
	char mime_type[128]; /* detected from the content, never from the name */
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

/*
 * Where extracted text goes, for callers that are not a rules scan (tests, tools): begin_part
 * and feed have the contracts of rules_scan_begin_part() and rules_scan_feed(), and return 0 or
 * a negative errno that stops the extraction and is returned.
 */
struct extract_sink {
	int (*begin_part)(void *ctx, enum rules_part part);
	int (*feed)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

/* extract_fd() and extract_buffer() with the text going to sink instead of a rules scan. */
int extract_fd_sink(int fd, const struct extract_limits *limits, const struct extract_sink *sink,
		    struct extract_result *out);
int extract_buffer_sink(const void *buf, size_t len, const struct extract_limits *limits,
			const struct extract_sink *sink, struct extract_result *out);

#endif /* RAQIB_AGENT_EXTRACT_H */
