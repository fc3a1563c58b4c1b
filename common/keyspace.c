// SPDX-License-Identifier: GPL-2.0-only
/*
 * Redis key names (see include/raqib/keyspace.h) and the cluster's hash slot of a key (the
 * CRC16 of the Redis Cluster specification, "Keys distribution model").
 */
#include "raqib/keyspace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "raqib/keys.h"
#include "raqib/schema.h"

bool raqib_site_is_valid(const char *site, size_t len)
{
	return len <= RAQIB_SITE_MAX && raqib_agent_id_is_valid(site, len);
}

bool raqib_epoch_is_valid(const char *epoch, size_t len)
{
	if (len != RAQIB_EPOCH_HEX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((epoch[i] >= '0' && epoch[i] <= '9') || (epoch[i] >= 'a' && epoch[i] <= 'f')))
			return false;
	return true;
}

static int fits(int n, size_t out_len)
{
	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}

static bool is_hex64(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 64 && s[n] == '\0';
}

int raqib_key_site(const char *site, char *out, size_t out_len)
{
	if (!raqib_site_is_valid(site, strlen(site)))
		return -EINVAL;
	return fits(snprintf(out, out_len, RAQIB_KEY_PREFIX "{" RAQIB_TAG_SITE "%s}:", site),
		    out_len);
}

int raqib_key_stream(const char *site, const char *agent, char *out, size_t out_len)
{
	if (!raqib_site_is_valid(site, strlen(site)) ||
	    !raqib_agent_id_is_valid(agent, strlen(agent)))
		return -EINVAL;
	return fits(snprintf(out, out_len, RAQIB_KEY_PREFIX "{" RAQIB_TAG_SITE "%s}:in:%s", site,
			     agent),
		    out_len);
}

int raqib_key_document(const char *sha256, char *out, size_t out_len)
{
	if (!is_hex64(sha256))
		return -EINVAL;
	return fits(snprintf(out, out_len, RAQIB_KEY_PREFIX "{" RAQIB_TAG_DOCUMENT "%s}:", sha256),
		    out_len);
}

int raqib_key_value(const char *hash, char *out, size_t out_len)
{
	if (!is_hex64(hash))
		return -EINVAL;
	return fits(snprintf(out, out_len, RAQIB_KEY_PREFIX "{" RAQIB_TAG_VALUE "%s}:", hash),
		    out_len);
}

int raqib_key_parse_stream(const char *key, size_t len, char *site, char *agent)
{
	static const char head[] = RAQIB_KEY_PREFIX "{" RAQIB_TAG_SITE;
	const char *p = key + sizeof(head) - 1, *end = key + len, *close;
	size_t n;

	if (len <= sizeof(head) - 1 || memcmp(key, head, sizeof(head) - 1) != 0)
		return -EINVAL;
	close = memchr(p, '}', (size_t)(end - p));
	if (!close || !raqib_site_is_valid(p, (size_t)(close - p)))
		return -EINVAL;
	n = (size_t)(close - p);
	if ((size_t)(end - close) < 5 || memcmp(close, "}:in:", 5) != 0)
		return -EINVAL;
	memcpy(site, p, n);
	site[n] = '\0';
	p = close + 5;
	if (!raqib_agent_id_is_valid(p, (size_t)(end - p)))
		return -EINVAL;
	memcpy(agent, p, (size_t)(end - p));
	agent[end - p] = '\0';
	return 0;
}

/* CRC16-CCITT (XMODEM), as the Redis Cluster specification defines the key hash. */
static unsigned crc16(const char *buf, size_t len)
{
	unsigned crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (unsigned)(unsigned char)buf[i] << 8;
		for (int b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
		crc &= 0xffff;
	}
	return crc;
}

unsigned raqib_key_slot(const char *key, size_t len)
{
	const char *open = memchr(key, '{', len), *close;

	/* the hash tag: from the first '{' to the next '}', when not empty */
	if (open) {
		close = memchr(open + 1, '}', len - (size_t)(open + 1 - key));
		if (close && close > open + 1)
			return crc16(open + 1, (size_t)(close - open - 1)) & 16383;
	}
	return crc16(key, len) & 16383;
}
