// SPDX-License-Identifier: GPL-2.0-only
/*
 * Community ID v1 (see community_id.h). The hash input is, per the specification's pseudo
 * code: seed (2 bytes) . lower address . higher address . protocol (1) . 0 (1) . lower port (2) .
 * higher port (2), all big-endian, where "lower" is the endpoint that sorts first by address
 * then port. The digest is SHA-1, rendered in base64 after "1:".
 */
#include "community_id.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

int community_id_v1(const uint8_t *saddr, const uint8_t *daddr, size_t addr_len, uint16_t sport,
		    uint16_t dport, uint8_t proto, uint16_t seed, char *out, size_t out_len)
{
	uint8_t buf[2 + 16 + 16 + 2 + 4];
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	const uint8_t *a = saddr, *b = daddr;
	uint16_t pa = sport, pb = dport;
	size_t n = 0;
	int cmp;

	if ((addr_len != 4 && addr_len != 16) || out_len < COMMUNITY_ID_LEN)
		return -EINVAL;
	cmp = memcmp(saddr, daddr, addr_len);
	if (cmp > 0 || (cmp == 0 && sport > dport)) {
		a = daddr;
		b = saddr;
		pa = dport;
		pb = sport;
	}
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, a, addr_len);
	n += addr_len;
	memcpy(buf + n, b, addr_len);
	n += addr_len;
	buf[n++] = proto;
	buf[n++] = 0;
	buf[n++] = (uint8_t)(pa >> 8);
	buf[n++] = (uint8_t)pa;
	buf[n++] = (uint8_t)(pb >> 8);
	buf[n++] = (uint8_t)pb;
	if (!EVP_Digest(buf, n, digest, &digest_len, EVP_sha1(), NULL) || digest_len != 20)
		return -ENOMEM;
	out[0] = '1';
	out[1] = ':';
	/* 20 bytes give 28 base64 characters plus the NUL EVP_EncodeBlock writes */
	EVP_EncodeBlock((unsigned char *)out + 2, digest, 20);
	return 0;
}
