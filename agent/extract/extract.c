// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text extraction: every input is taken as plain text in the encoding its first bytes show
 * (text_decode.c), converted to UTF-8 and hashed on the way. The format-aware extractors (PDF,
 * Office, OpenDocument, mail, archives) plug in here without changing the contract.
 */
#include "extract.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "text_decode.h"

#define READ_CHUNK (64 * 1024)

void extract_limits_default(struct extract_limits *limits)
{
	limits->max_read_bytes = 64u << 20;
	limits->max_text_bytes = 256u << 20;
	limits->max_ratio = 100.0;
	limits->max_depth = 4;
	limits->max_ms = 10000;
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

static void begin(struct extract_result *out)
{
	memset(out, 0, sizeof(*out));
	out->status = EXTRACT_COMPLETE;
	snprintf(out->mime_type, sizeof(out->mime_type), "text/plain");
}

static int feed(struct rules_scan *scan, EVP_MD_CTX *md, struct text_decoder *dec,
		const void *buf, size_t len, struct extract_result *out)
{
	if (!EVP_DigestUpdate(md, buf, len))
		return -ENOMEM;
	out->bytes_read += len;
	return text_decoder_feed(dec, buf, len, scan, &out->text_bytes);
}

/* Decoding is chosen from the first bytes; then every chunk goes through the same decoder. */
static int start_decoding(struct text_decoder *dec, const void *head, size_t len,
			  struct extract_result *out)
{
	int err = text_decoder_init(dec, head, len);

	if (!err)
		snprintf(out->mime_type, sizeof(out->mime_type), "text/plain; charset=%s",
			 dec->encoding);
	return err;
}

static int finish_hash(EVP_MD_CTX *md, struct extract_result *out, bool complete)
{
	if (!EVP_DigestFinal_ex(md, out->sha256, NULL))
		return -ENOMEM;
	out->sha256_complete = complete;
	if (!complete) {
		out->status = EXTRACT_PARTIAL;
		snprintf(out->reason, sizeof(out->reason), "read limit of %llu bytes reached",
			 (unsigned long long)out->bytes_read);
	}
	return 0;
}

int extract_fd(int fd, const struct extract_limits *limits, struct rules_scan *scan,
	       struct extract_result *out)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct text_decoder dec = { .cd = (iconv_t)-1 };
	bool complete = false, started = false;
	char *buf = malloc(READ_CHUNK);
	int err = 0;

	begin(out);
	if (!md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		err = -ENOMEM;
		goto out;
	}
	while (!err) {
		uint64_t room = limits->max_read_bytes - out->bytes_read;
		size_t want = room < READ_CHUNK ? (size_t)room : READ_CHUNK;
		ssize_t n;

		if (want == 0) {
			char probe;

			/* at the limit: complete only if the file ends here */
			n = read(fd, &probe, 1);
			complete = n == 0;
			break;
		}
		n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -EIO;
			break;
		}
		if (n == 0) {
			complete = true;
			break;
		}
		if (!started) {
			err = start_decoding(&dec, buf, (size_t)n, out);
			started = true;
		}
		if (!err)
			err = feed(scan, md, &dec, buf, (size_t)n, out);
	}
	if (!err)
		err = finish_hash(md, out, complete);
out:
	text_decoder_release(&dec);
	if (buf)
		explicit_bzero(buf, READ_CHUNK);
	free(buf);
	EVP_MD_CTX_free(md);
	return err;
}

int extract_buffer(const void *buf, size_t len, const struct extract_limits *limits,
		   struct rules_scan *scan, struct extract_result *out)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct text_decoder dec = { .cd = (iconv_t)-1 };
	size_t take = len < limits->max_read_bytes ? len : (size_t)limits->max_read_bytes;
	int err;

	begin(out);
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return -ENOMEM;
	}
	err = start_decoding(&dec, buf, take < READ_CHUNK ? take : READ_CHUNK, out);
	if (!err)
		err = feed(scan, md, &dec, buf, take, out);
	if (!err)
		err = finish_hash(md, out, take == len);
	text_decoder_release(&dec);
	EVP_MD_CTX_free(md);
	return err;
}
