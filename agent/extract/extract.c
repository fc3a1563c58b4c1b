// SPDX-License-Identifier: GPL-2.0-only
/*
 * Entry points of text extraction (extract.h): reads the file into memory up to the read limit
 * while hashing it, detects its type from the content (detect.c) and hands it to the extractor
 * of that type: text.c and csv.c (encodings, CSV), html.c, pdf.c (in a sandboxed child),
 * zip_doc.c (DOCX, XLSX, PPTX, ODT, ODS), rtf.c, mail.c, archive.c. Containers call back into
 * extract_dispatch() for their members, one level deeper (extract_ctx.c keeps the limits).
 */
#include "extract.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "archive.h"
#include "detect.h"
#include "extract_ctx.h"
#include "html.h"
#include "mail.h"
#include "pdf.h"
#include "rtf.h"
#include "text.h"
#include "zip_doc.h"

#define READ_CHUNK (64 * 1024)

void extract_limits_default(struct extract_limits *limits)
{
	limits->max_read_bytes = 64u << 20;
	limits->max_text_bytes = 256u << 20;
	limits->max_ratio = 100.0;
	limits->max_depth = 4;
	limits->max_ms = 10000;
	limits->max_expanded_bytes = 256u << 20;
	limits->max_parser_memory_bytes = 1ull << 30;
}

const char *extract_status_name(enum extract_status status)
{
	switch (status) {
	case EXTRACT_COMPLETE:
		return "complete";
	case EXTRACT_PARTIAL:
		return "partial";
	case EXTRACT_ENCRYPTED:
		return "encrypted";
	case EXTRACT_NOT_INSPECTED:
		return "not_inspected";
	}
	return "unknown";
}

int extract_dispatch(struct extract_ctx *ctx, const void *buf, size_t len)
{
	enum extract_format format;
	char mime[sizeof(ctx->out->mime_type)];
	int err;

	err = extract_detect(buf, len, &format, mime, sizeof(mime));
	if (err)
		return err;
	if (ctx->depth == 0)
		snprintf(ctx->out->mime_type, sizeof(ctx->out->mime_type), "%s", mime);
	switch (format) {
	case EXTRACT_FMT_TEXT:
		return extract_text(ctx, buf, len);
	case EXTRACT_FMT_HTML:
		return extract_html(ctx, buf, len);
	case EXTRACT_FMT_PDF:
		if (ctx->pdf_in_process)
			return extract_pdf_inprocess(ctx, buf, len);
		return extract_pdf(ctx, buf, len);
	case EXTRACT_FMT_ZIP:
		return extract_zip_doc(ctx, buf, len);
	case EXTRACT_FMT_ARCHIVE:
		return extract_archive(ctx, buf, len);
	case EXTRACT_FMT_RTF:
		return extract_rtf(ctx, buf, len);
	case EXTRACT_FMT_MAIL:
		return extract_mail(ctx, buf, len);
	case EXTRACT_FMT_OFFICE_ENCRYPTED:
		extract_ctx_encrypted(ctx, "password-protected Office document");
		return 0;
	case EXTRACT_FMT_NO_TEXT:
		extract_ctx_not_inspected(ctx, "no text extractor for %s", mime);
		return 0;
	}
	return 0;
}

static int scan_begin_part(void *ctx, enum rules_part part)
{
	return rules_scan_begin_part(ctx, part);
}

static int scan_feed(void *ctx, const void *buf, size_t len)
{
	return rules_scan_feed(ctx, buf, len);
}

/* Extracts buf (already hashed into out) and marks the result partial when the read was cut. */
static int extract_bytes(const void *buf, size_t len, bool whole,
			 const struct extract_limits *limits, const struct extract_sink *sink,
			 struct extract_result *out)
{
	struct extract_ctx ctx;
	int err;

	extract_ctx_init(&ctx, limits, sink, out);
	if (!whole)
		extract_ctx_damaged(&ctx, "read limit of %llu bytes reached",
				    (unsigned long long)limits->max_read_bytes);
	err = extract_dispatch(&ctx, buf, len);
	return err == -ECANCELED ? 0 : err;
}

static void begin(struct extract_result *out)
{
	memset(out, 0, sizeof(*out));
	out->status = EXTRACT_COMPLETE;
	snprintf(out->mime_type, sizeof(out->mime_type), "application/octet-stream");
}

/*
 * Reads fd up to the read limit into a buffer the caller wipes and frees, hashing every byte.
 * *whole tells whether the file ended within the limit.
 */
static int read_all(int fd, uint64_t limit, EVP_MD_CTX *md, char **buf_out, size_t *len_out,
		    size_t *cap_out, bool *whole)
{
	size_t cap = READ_CHUNK, len = 0;
	struct stat st;
	char *buf, *grown;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (uint64_t)st.st_size < limit ? (size_t)st.st_size + 1 : (size_t)limit + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	*whole = false;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t next = cap * 2 > limit + 1 ? (size_t)limit + 1 : cap * 2;

			grown = next > cap ? malloc(next) : NULL;
			if (!grown) {
				extract_wipe_free(buf, cap);
				return -ENOMEM;
			}
			memcpy(grown, buf, len);
			extract_wipe_free(buf, cap);
			buf = grown;
			cap = next;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			extract_wipe_free(buf, cap);
			return -EIO;
		}
		if (n == 0) {
			*whole = true;
			break;
		}
		if (len + (size_t)n > limit) {
			/* the byte past the limit is never hashed or inspected */
			n = (ssize_t)(limit - len);
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	if (!EVP_DigestUpdate(md, buf, len)) {
		extract_wipe_free(buf, cap);
		return -ENOMEM;
	}
	*buf_out = buf;
	*len_out = len;
	*cap_out = cap;
	return 0;
}

int extract_fd_sink(int fd, const struct extract_limits *limits, const struct extract_sink *sink,
		    struct extract_result *out)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t len = 0, cap = 0;
	char *buf = NULL;
	bool whole = false;
	int err;

	begin(out);
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		err = -ENOMEM;
		goto out;
	}
	err = read_all(fd, limits->max_read_bytes, md, &buf, &len, &cap, &whole);
	if (err)
		goto out;
	out->bytes_read = len;
	if (!EVP_DigestFinal_ex(md, out->sha256, NULL)) {
		err = -ENOMEM;
		goto out;
	}
	out->sha256_complete = whole;
	err = extract_bytes(buf, len, whole, limits, sink, out);
out:
	extract_wipe_free(buf, cap);
	EVP_MD_CTX_free(md);
	return err;
}

int extract_buffer_sink(const void *buf, size_t len, const struct extract_limits *limits,
			const struct extract_sink *sink, struct extract_result *out)
{
	size_t take = len < limits->max_read_bytes ? len : (size_t)limits->max_read_bytes;
	unsigned int md_len = 0;

	begin(out);
	if (!EVP_Digest(buf, take, out->sha256, &md_len, EVP_sha256(), NULL))
		return -ENOMEM;
	out->bytes_read = take;
	out->sha256_complete = take == len;
	return extract_bytes(buf, take, take == len, limits, sink, out);
}

int extract_fd(int fd, const struct extract_limits *limits, struct rules_scan *scan,
	       struct extract_result *out)
{
	struct extract_sink sink = { scan_begin_part, scan_feed, scan };

	return extract_fd_sink(fd, limits, &sink, out);
}

int extract_buffer(const void *buf, size_t len, const struct extract_limits *limits,
		   struct rules_scan *scan, struct extract_result *out)
{
	struct extract_sink sink = { scan_begin_part, scan_feed, scan };

	return extract_buffer_sink(buf, len, limits, &sink, out);
}
