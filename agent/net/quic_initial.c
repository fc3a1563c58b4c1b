// SPDX-License-Identifier: GPL-2.0-only
/*
 * QUIC client Initials (see quic_initial.h): RFC 9000 sections 17.2 (long header) and 19
 * (frames), RFC 9001 section 5 (Initial secrets, packet and header protection), RFC 9369
 * (version 2: its own salt, labels and packet type numbers).
 */
#include "quic_initial.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#define CID_MAX	     20
#define SLOTS	     16
#define TAG_LEN	     16
#define SAMPLE_LEN   16
#define FRAME_CRYPTO 0x06

#define QUIC_V1	     0x00000001u
#define QUIC_V2	     0x6b3343cfu

/* Initial salts (RFC 9001 section 5.2, RFC 9369 section 3.3.1, the drafts' own). */
static const uint8_t salt_v1[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
				     0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const uint8_t salt_v2[20] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
				     0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };
static const uint8_t salt_d29[20] = { 0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
				      0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 };
static const uint8_t salt_d23[20] = { 0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
				      0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02 };
static const uint8_t salt_d22[20] = { 0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
				      0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a };

struct version_info {
	const uint8_t *salt;
	const char *prefix; /* of the key, iv and hp labels: "quic " or "quicv2 " */
	unsigned initial_type; /* long header packet type of an Initial */
	unsigned retry_type; /* and of a Retry (no Length field) */
};

static int version_info(uint32_t v, struct version_info *out)
{
	if (v == QUIC_V1 || v == 0xff000021u || v == 0xff000022u) /* v1; drafts 33, 34 */
		*out = (struct version_info){ salt_v1, "quic ", 0, 3 };
	else if (v == QUIC_V2)
		*out = (struct version_info){ salt_v2, "quicv2 ", 1, 0 };
	else if (v >= 0xff00001du && v <= 0xff000020u) /* drafts 29 to 32 */
		*out = (struct version_info){ salt_d29, "quic ", 0, 3 };
	else if ((v >= 0xff000017u && v <= 0xff00001cu) || v == 0xfaceb002u || v == 0xfaceb00eu)
		/* drafts 23 to 28; mvfst on draft 27, and its experimental version */
		*out = (struct version_info){ salt_d23, "quic ", 0, 3 };
	else if (v == 0xff000016u || v == 0xfaceb001u) /* draft 22; mvfst on it */
		*out = (struct version_info){ salt_d22, "quic ", 0, 3 };
	else
		return -ENOTSUP;
	return 0;
}

struct slot {
	bool used, done;
	uint8_t cid[CID_MAX];
	size_t cid_len;
	uint64_t age;
	uint8_t buf[QUIC_HELLO_MAX];
	uint8_t filled[QUIC_HELLO_MAX / 8];
};

struct quic_initial {
	struct slot slots[SLOTS];
	uint64_t clock;
	EVP_KDF *hkdf;
	uint8_t plain[2048]; /* one packet's decrypted payload */
};

struct quic_initial *quic_initial_new(void)
{
	struct quic_initial *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (!q->hkdf) {
		ERR_clear_error();
		free(q);
		errno = ENOSYS;
		return NULL;
	}
	return q;
}

void quic_initial_free(struct quic_initial *q)
{
	if (!q)
		return;
	EVP_KDF_free(q->hkdf);
	free(q);
}

/* HKDF-Extract (info NULL) or HKDF-Expand, SHA-256. Returns 0 or -EIO. */
static int hkdf(EVP_KDF *kdf, int mode, const uint8_t *key, size_t key_len, const uint8_t *salt,
		size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[5], *p = params;
	int rc;

	if (!ctx)
		return -EIO;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
	if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							 salt_len);
	else
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
							 info_len);
	*p = OSSL_PARAM_construct_end();
	rc = EVP_KDF_derive(ctx, out, out_len, params);
	EVP_KDF_CTX_free(ctx);
	if (rc <= 0) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

/* HKDF-Expand-Label of TLS 1.3 (RFC 8446 section 7.1), empty context. */
static int expand_label(EVP_KDF *kdf, const uint8_t *secret, const char *prefix, const char *label,
			uint8_t *out, size_t out_len)
{
	uint8_t info[64];
	size_t n = 0, plen = strlen(prefix), llen = strlen(label);

	if (6 + plen + llen + 4 > sizeof(info))
		return -EINVAL;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + plen + llen);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, prefix, plen);
	n += plen;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = 0; /* context: empty */
	return hkdf(kdf, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 32, NULL, 0, info, n, out, out_len);
}

static int derive(EVP_KDF *kdf, const struct version_info *vi, const uint8_t *dcid, size_t dcid_len,
		  uint8_t key[16], uint8_t iv[12], uint8_t hp[16])
{
	uint8_t initial[32], client[32];
	int rc;

	rc = hkdf(kdf, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, dcid_len, vi->salt, 20, NULL, 0,
		  initial, sizeof(initial));
	if (!rc)
		rc = expand_label(kdf, initial, "", "client in", client, sizeof(client));
	if (!rc)
		rc = expand_label(kdf, client, vi->prefix, "key", key, 16);
	if (!rc)
		rc = expand_label(kdf, client, vi->prefix, "iv", iv, 12);
	if (!rc)
		rc = expand_label(kdf, client, vi->prefix, "hp", hp, 16);
	return rc;
}

int quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint8_t key[16],
		      uint8_t iv[12], uint8_t hp[16])
{
	struct version_info vi;
	EVP_KDF *kdf;
	int rc;

	if (version_info(version, &vi))
		return -ENOTSUP;
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (!kdf)
		return -ENOSYS;
	rc = derive(kdf, &vi, dcid, dcid_len, key, iv, hp);
	EVP_KDF_free(kdf);
	return rc;
}

/* A variable-length integer (RFC 9000 section 16) at *off; moves *off past it. */
static int varint(const uint8_t *p, size_t len, size_t *off, uint64_t *out)
{
	size_t n;

	if (*off >= len)
		return -EINVAL;
	n = (size_t)1 << (p[*off] >> 6);
	if (*off + n > len)
		return -EINVAL;
	*out = p[*off] & 0x3f;
	for (size_t i = 1; i < n; i++)
		*out = *out << 8 | p[*off + i];
	*off += n;
	return 0;
}

uint32_t quic_packet_version(const uint8_t *p, size_t len)
{
	if (len < 5 || !(p[0] & 0x80))
		return 0;
	return (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
}

static int aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_EncryptUpdate(ctx, out, &n, in, 16) &&
	     n == 16;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -EIO;
}

static int aes_gcm_open(const uint8_t key[16], const uint8_t nonce[12], const uint8_t *aad,
			size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t *tag,
			uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) &&
	     EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) &&
	     EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) &&
	     EVP_DecryptUpdate(ctx, out, &n, ct, (int)ct_len) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *)tag) &&
	     EVP_DecryptFinal_ex(ctx, out + n, &n);
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -EIO;
}

static struct slot *slot_for(struct quic_initial *q, const uint8_t *cid, size_t cid_len)
{
	struct slot *oldest = &q->slots[0];

	for (size_t i = 0; i < SLOTS; i++) {
		struct slot *s = &q->slots[i];

		if (s->used && s->cid_len == cid_len && memcmp(s->cid, cid, cid_len) == 0)
			return s;
		if (!s->used || (oldest->used && s->age < oldest->age))
			oldest = s;
	}
	memset(oldest, 0, sizeof(*oldest));
	oldest->used = true;
	memcpy(oldest->cid, cid, cid_len);
	oldest->cid_len = cid_len;
	return oldest;
}

static void put_crypto(struct slot *s, uint64_t off, const uint8_t *data, size_t n)
{
	if (off >= QUIC_HELLO_MAX)
		return;
	if (n > QUIC_HELLO_MAX - off)
		n = (size_t)(QUIC_HELLO_MAX - off);
	memcpy(s->buf + off, data, n);
	for (size_t i = (size_t)off; i < off + n; i++)
		s->filled[i / 8] |= (uint8_t)(1u << (i % 8));
}

static bool have(const struct slot *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(s->filled[i / 8] & (1u << (i % 8))))
			return false;
	return true;
}

/* Bytes from offset 0 that have come, without a hole (at most need). */
static size_t prefix(const struct slot *s, size_t need)
{
	size_t n = 0;

	while (n < need && (s->filled[n / 8] & (1u << (n % 8))))
		n++;
	return n;
}

/* The frames of a decrypted client Initial: CRYPTO data into s. Returns 0 or -EINVAL. */
static int read_frames(struct slot *s, const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		uint64_t type, a, b, count;

		if (varint(p, len, &off, &type))
			return -EINVAL;
		switch (type) {
		case 0x00: /* PADDING */
		case 0x01: /* PING */
			break;
		case 0x02: /* ACK */
		case 0x03: /* ACK with ECN counts */
			if (varint(p, len, &off, &a) || varint(p, len, &off, &a) ||
			    varint(p, len, &off, &count) || varint(p, len, &off, &a))
				return -EINVAL;
			for (uint64_t i = 0; i < count; i++)
				if (varint(p, len, &off, &a) || varint(p, len, &off, &b))
					return -EINVAL;
			for (int i = 0; type == 0x03 && i < 3; i++)
				if (varint(p, len, &off, &a))
					return -EINVAL;
			break;
		case FRAME_CRYPTO:
			if (varint(p, len, &off, &a) || varint(p, len, &off, &b) || b > len - off)
				return -EINVAL;
			put_crypto(s, a, p + off, (size_t)b);
			off += (size_t)b;
			break;
		default: /* CONNECTION_CLOSE, or a frame no client Initial carries: stop */
			return 0;
		}
	}
	return 0;
}

/*
 * Decrypts the Initial at p[0..len) (its header parsed up to pn_off; its Length field says
 * how far it goes) and takes its CRYPTO frames. Returns 0 or -EINVAL.
 */
static int open_initial(struct quic_initial *q, const struct version_info *vi, const uint8_t *p,
			size_t pn_off, size_t end, const uint8_t *dcid, size_t dcid_len)
{
	uint8_t key[16], iv[12], hp[16], mask[16], hdr[512], nonce[12];
	size_t pn_len, hdr_len, ct_len;
	struct slot *s;
	uint64_t pn = 0;

	if (pn_off + 4 + SAMPLE_LEN > end || pn_off + 4 > sizeof(hdr))
		return -EINVAL;
	if (derive(q->hkdf, vi, dcid, dcid_len, key, iv, hp) || aes_ecb(hp, p + pn_off + 4, mask))
		return -EINVAL;
	memcpy(hdr, p, pn_off);
	hdr[0] ^= mask[0] & 0x0f;
	pn_len = (size_t)(hdr[0] & 3) + 1;
	for (size_t i = 0; i < pn_len; i++) {
		hdr[pn_off + i] = p[pn_off + i] ^ mask[1 + i];
		pn = pn << 8 | hdr[pn_off + i];
	}
	hdr_len = pn_off + pn_len;
	if (hdr_len + TAG_LEN > end)
		return -EINVAL;
	ct_len = end - hdr_len - TAG_LEN;
	if (ct_len > sizeof(q->plain))
		return -EINVAL;
	memcpy(nonce, iv, sizeof(nonce));
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	if (aes_gcm_open(key, nonce, hdr, hdr_len, p + hdr_len, ct_len, p + hdr_len + ct_len,
			 q->plain))
		return -EINVAL;
	s = slot_for(q, dcid, dcid_len);
	s->age = ++q->clock;
	if (s->done)
		return 0;
	return read_frames(s, q->plain, ct_len);
}

int quic_initial_feed(struct quic_initial *q, const uint8_t *p, size_t len, const uint8_t **hello,
		      size_t *hello_len)
{
	const uint8_t *dcid = NULL;
	size_t dcid_len = 0;
	bool opened = false;

	/* coalesced packets: a long header says how long it is; a short header ends the datagram */
	while (len >= 7 && (p[0] & 0x80)) {
		uint32_t version = quic_packet_version(p, len);
		struct version_info vi;
		size_t off = 5, scid_len;
		uint64_t token = 0, length;
		unsigned type;

		if (version == 0)
			break; /* version negotiation */
		if (version_info(version, &vi)) {
			if (opened)
				break;
			return -ENOTSUP;
		}
		type = (p[0] >> 4) & 3;
		dcid_len = p[off++];
		if (dcid_len > CID_MAX || off + dcid_len + 1 > len)
			return -EINVAL;
		dcid = p + off;
		off += dcid_len;
		scid_len = p[off++];
		if (scid_len > CID_MAX || off + scid_len > len)
			return -EINVAL;
		off += scid_len;
		if (type == vi.retry_type)
			break; /* a Retry has no Length; nothing follows it */
		if (type == vi.initial_type && varint(p, len, &off, &token))
			return -EINVAL;
		if (token > len - off)
			return -EINVAL;
		off += (size_t)token;
		if (varint(p, len, &off, &length) || length > len - off)
			return -EINVAL;
		if (type == vi.initial_type && dcid_len >= 1) {
			int rc = open_initial(q, &vi, p, off, off + (size_t)length, dcid, dcid_len);

			if (rc)
				return rc;
			opened = true;
		}
		p += off + (size_t)length;
		len -= off + (size_t)length;
	}
	if (!opened)
		return 0;
	for (size_t i = 0; i < SLOTS; i++) {
		struct slot *s = &q->slots[i];
		size_t need;

		if (!s->used || s->done || s->cid_len != dcid_len ||
		    memcmp(s->cid, dcid, dcid_len) != 0 || !have(s, 4))
			continue;
		if (s->buf[0] != 1)
			return -EINVAL; /* the first handshake message of a client is its hello */
		need = 4 + ((size_t)s->buf[1] << 16 | (size_t)s->buf[2] << 8 | s->buf[3]);
		if (need > QUIC_HELLO_MAX)
			return -EINVAL;
		*hello = s->buf;
		if (!have(s, need)) {
			*hello_len = prefix(s, need);
			return 2;
		}
		s->done = true;
		*hello_len = need;
		return 1;
	}
	return 0;
}
