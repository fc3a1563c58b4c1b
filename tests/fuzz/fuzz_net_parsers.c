// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the network path's parsers of hostile application data, without the packet
 * layers in front. The first byte chooses the parser (DNS answers, HTTP request stream,
 * multipart body, SMTP client stream, FTP control both ways, TCP reassembly), the second how
 * the rest is cut into pieces, as TCP would deliver it. Nothing is built globally.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns.h"
#include "net/ftp_control.h"
#include "net/http_upload.h"
#include "net/multipart.h"
#include "net/smtp_upload.h"
#include "net/tcp_reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink_state {
	size_t bytes;
	int open;
};

static void s_begin(void *ctx, const char *protocol, const char *name)
{
	struct sink_state *s = ctx;

	(void)protocol;
	if (name && strlen(name) >= UPLOAD_NAME_MAX)
		abort(); /* names are bounded */
	s->open = 1;
}

static void s_name(void *ctx, const char *name)
{
	(void)ctx;
	if (strlen(name) >= UPLOAD_NAME_MAX)
		abort();
}

static void s_data(void *ctx, const uint8_t *data, size_t len)
{
	struct sink_state *s = ctx;

	/* touch every byte: ASan checks the pointer and length handed over */
	for (size_t i = 0; i < len; i++)
		s->bytes += data[i] & 1;
}

static void s_end(void *ctx)
{
	((struct sink_state *)ctx)->open = 0;
}

static int on_answer(void *ctx, int family, const uint8_t *addr, const char *qname, uint32_t ttl)
{
	(void)ctx;
	(void)family;
	(void)ttl;
	return strlen(qname) < DNS_NAME_MAX && addr ? 0 : -1;
}

static void on_announce(void *ctx, const struct ftp_announce *a)
{
	(void)ctx;
	if (a->port == 0)
		abort(); /* port 0 is never announced */
}

static int on_stream(void *ctx, const uint8_t *data, size_t len, uint64_t gap)
{
	struct sink_state *s = ctx;

	(void)gap;
	s_data(s, data, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink_state st = { 0 };
	struct upload_sink sink = { s_begin, s_name, s_data, s_end, &st };
	size_t piece;
	uint8_t which;

	if (size < 2)
		return 0;
	which = data[0] % 6;
	piece = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	switch (which) {
	case 0:
		dns_parse_answers(data, size, on_answer, NULL);
		break;
	case 1: {
		struct http_upload *h = http_upload_new(&sink, 100.0);

		for (size_t i = 0; h && i < size; i += piece)
			if (http_upload_feed(h, data + i, size - i < piece ? size - i : piece))
				break;
		http_upload_free(h);
		break;
	}
	case 2: {
		struct multipart mp;

		if (multipart_init(&mp, "b", &sink, "http"))
			break;
		for (size_t i = 0; i < size; i += piece)
			multipart_feed(&mp, data + i, size - i < piece ? size - i : piece);
		multipart_finish(&mp);
		break;
	}
	case 3: {
		struct smtp_upload *s = malloc(sizeof(*s));

		if (!s)
			break;
		smtp_upload_init(s, &sink);
		for (size_t i = 0; i < size; i += piece)
			if (smtp_upload_feed(s, data + i, size - i < piece ? size - i : piece))
				break;
		smtp_upload_finish(s);
		free(s);
		break;
	}
	case 4: {
		struct ftp_control c;

		if (ftp_control_init(&c))
			break;
		for (size_t i = 0; i < size; i += piece)
			ftp_control_feed(&c, (i / piece) % 2 == 0, data + i,
					 size - i < piece ? size - i : piece, on_announce, NULL);
		ftp_control_release(&c);
		break;
	}
	case 5: {
		/* segments: 4-byte sequence number, 1-byte length, payload */
		struct reasm_budget budget = { .max_bytes = 4096 };
		struct reasm_stats rs = { 0 };
		struct tcp_reasm r = { 0 };

		for (size_t i = 0; i + 5 <= size;) {
			uint32_t seq = (uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 |
				       (uint32_t)data[i + 2] << 8 | data[i + 3];
			size_t len = data[i + 4];

			i += 5;
			if (len > size - i)
				len = size - i;
			tcp_reasm_segment(&r, &budget, 1024, seq, (seq & 7) == 0, data + i, len,
					  on_stream, &st, &rs);
			i += len;
		}
		tcp_reasm_flush(&r, &budget, on_stream, &st, &rs);
		tcp_reasm_release(&r, &budget);
		if (budget.used_bytes)
			abort(); /* every queued byte is accounted for and released */
		break;
	}
	}
	return 0;
}
