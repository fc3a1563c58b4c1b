// SPDX-License-Identifier: GPL-2.0-only
/* Stored alert documents, compressed (see doc_codec.h). */
#include "doc_codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define MARK_V1	   '\x01'
#define UNPACK_MAX (4u << 20)

/*
 * The preset dictionary: the strings alerts repeat, the most frequent last (DEFLATE finds
 * matches nearer the end cheaper). Changing it changes the encoding: a new mark, and the old
 * dictionary kept for what is stored.
 */
static const char dictionary[] =
	"\"process\":{\"pid\":,\"name\":\"\",\"executable\":\"/usr/bin/\",\"command_line\":\""
	"\"parent\":{\"pid\":}},\"container\":{\"id\":\"\"},\"user\":{\"id\":\"1000\"},"
	"\"source\":{\"ip\":\"\",\"port\":,\"bytes\":},\"destination\":{\"ip\":\"\",\"port\":},"
	"\"network\":{\"transport\":\"tcp\",\"protocol\":\"http\",\"community_id\":\"1:\"},"
	"\"upload\":{\"bytes\":,\"expected_bytes\":,\"flows\":,\"delay_ms\":,\"sender_pid\":},"
	"\"ndpi_protocol\":\"TLS.\",\"server_name\":\"\",\"app\":\"Telegram\",\"WhatsApp\","
	"\"document\":{\"official\":true,\"level\":\"CONFIDENTIAL\",\"bulk_personal_data\":false,"
	"\"partially_inspected\":false},\"file\":{\"path\":\"/home/\",\"name\":\"\",\"size\":,"
	"\"hash\":{\"sha256\":\"\"}},\"host\":{\"name\":\"\"},"
	"\"agent\":{\"id\":\"\",\"type\":\"raqib-agent\",\"version\":\"0.1.0\"},"
	"\"rule\":{\"id\":\"policy.\",\"name\":\"\",\"version\":\"1\"},"
	"{\"@timestamp\":\"2026-\",\"event\":{\"id\":\"\",\"kind\":\"alert\",\"module\":\"raqib\","
	"\"dataset\":\"raqib.file\",\"raqib.network\",\"category\":[\"file\"],\"severity\":,"
	"\"created\":\"T::.Z\"},\"raqib\":{\"schema_version\":2,\"sequence\":,\"confidence\":\"high\","
	"\"medium\",\"why\":\"a messaging app opened a file holding personal data\","
	"\"rules_hash\":\"\",\"value_key_id\":\"\",\"findings\":[{\"type\":\"CIN\",\"RIB\","
	"\"PHONE_MA\",\"rule_id\":\"pii.cin\",\"pii.rib\",\"masked\":\"********\","
	"\"occurrences\":1,\"score\":1,\"hash\":\"\"}]}}";

struct doc_packer {
	z_stream z;
};

struct doc_packer *doc_packer_new(void)
{
	struct doc_packer *p = calloc(1, sizeof(*p));

	/* raw DEFLATE (negative window bits): no header, no checksum; the store has its own */
	if (p && deflateInit2(&p->z, 6, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(p);
		return NULL;
	}
	return p;
}

void doc_packer_free(struct doc_packer *p)
{
	if (!p)
		return;
	deflateEnd(&p->z);
	free(p);
}

int doc_pack(struct doc_packer *p, const char *json, size_t len, char **out, size_t *out_len)
{
	uLong cap = compressBound((uLong)len) + 1;
	char *buf = malloc(cap);
	int rc;

	if (!buf)
		return -ENOMEM;
	if (deflateReset(&p->z) != Z_OK || deflateSetDictionary(&p->z, (const Bytef *)dictionary,
								sizeof(dictionary) - 1) != Z_OK) {
		free(buf);
		return -EIO;
	}
	buf[0] = MARK_V1;
	p->z.next_in = (Bytef *)json;
	p->z.avail_in = (uInt)len;
	p->z.next_out = (Bytef *)buf + 1;
	p->z.avail_out = (uInt)(cap - 1);
	rc = deflate(&p->z, Z_FINISH);
	*out_len = 1 + p->z.total_out;
	if (rc != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	return 0;
}

int doc_unpack(const char *data, size_t len, char **json, size_t *json_len)
{
	z_stream z = { 0 };
	size_t cap = len * 4 + 256;
	char *buf;
	int rc;

	if (len > 0 && data[0] == '{') {
		buf = malloc(len + 1);
		if (!buf)
			return -ENOMEM;
		memcpy(buf, data, len);
		buf[len] = '\0';
		*json = buf;
		*json_len = len;
		return 0;
	}
	if (len < 2 || data[0] != MARK_V1)
		return -EINVAL;
	if (inflateInit2(&z, -15) != Z_OK)
		return -ENOMEM;
	inflateSetDictionary(&z, (const Bytef *)dictionary, sizeof(dictionary) - 1);
	buf = malloc(cap);
	z.next_in = (Bytef *)data + 1;
	z.avail_in = (uInt)(len - 1);
	for (rc = Z_OK; buf && rc == Z_OK;) {
		char *more;

		z.next_out = (Bytef *)buf + z.total_out;
		z.avail_out = (uInt)(cap - 1 - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_BUF_ERROR && z.avail_out == 0 && cap < UNPACK_MAX) {
			cap *= 2;
			more = realloc(buf, cap);
			if (!more) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = more;
			rc = Z_OK;
		}
	}
	if (!buf || rc != Z_STREAM_END) {
		inflateEnd(&z);
		free(buf);
		return buf ? -EINVAL : -ENOMEM;
	}
	buf[z.total_out] = '\0';
	*json_len = z.total_out;
	*json = buf;
	inflateEnd(&z);
	return 0;
}
