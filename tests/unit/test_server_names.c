// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the server names read from handshakes (agent/net/tls_hello.c,
 * agent/net/quic_initial.c): the SNI of ClientHellos that OpenSSL itself writes (whole, cut,
 * without a name, not a hello), the QUIC Initial keys of RFC 9001 and RFC 9369 (appendix A),
 * and QUIC Initials built here from an OpenSSL ClientHello -- v1 and v2, the hello split over
 * two packets and given out of order, a datagram coalescing a 0-RTT packet, a damaged tag.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "net/quic_initial.h"
#include "net/tls_hello.h"

/* The first flight of an OpenSSL client asking for host (NULL: no SNI), as TLS records. */
static size_t client_hello(const char *host, uint8_t *out, size_t out_len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = SSL_new(ctx);
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	int n;

	assert_non_null(ssl);
	SSL_set_bio(ssl, rb, wb);
	if (host)
		SSL_set_tlsext_host_name(ssl, host);
	SSL_set_connect_state(ssl);
	assert_true(SSL_do_handshake(ssl) <= 0); /* it waits for the server */
	n = BIO_read(wb, out, (int)out_len);
	assert_true(n > 100);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return (size_t)n;
}

static void test_tls_hello(void **state)
{
	struct tls_hello *h = tls_hello_new();
	uint8_t rec[4096];
	char name[TLS_HELLO_NAME_MAX];
	size_t n;

	(void)state;
	assert_non_null(h);
	n = client_hello("MMG.WhatsApp.net", rec, sizeof(rec));
	assert_int_equal(tls_hello_sni(h, rec, n, name, sizeof(name)), 0);
	assert_string_equal(name, "mmg.whatsapp.net");
	/* again: the context is reusable, nothing is left over from the last one */
	assert_int_equal(tls_hello_sni(h, rec, n, name, sizeof(name)), 0);
	/* the same hello as a bare handshake message (how QUIC carries it) */
	assert_int_equal(tls_hello_sni_message(h, rec + 5, n - 5, name, sizeof(name)), 0);
	assert_string_equal(name, "mmg.whatsapp.net");
	/* cut: more is needed */
	assert_int_equal(tls_hello_sni(h, rec, n - 40, name, sizeof(name)), -EAGAIN);
	/* a name longer than the caller's buffer is no name */
	assert_int_equal(tls_hello_sni(h, rec, n, name, 8), -ENOENT);
	/* no SNI */
	n = client_hello(NULL, rec, sizeof(rec));
	assert_int_equal(tls_hello_sni(h, rec, n, name, sizeof(name)), -ENOENT);
	/* not a ClientHello */
	rec[5] = 2;
	assert_int_equal(tls_hello_sni(h, rec, n, name, sizeof(name)), -EINVAL);
	memcpy(rec, "GET / HTTP/1.1\r\n", 16);
	assert_int_equal(tls_hello_sni(h, rec, 16, name, sizeof(name)), -EINVAL);
	assert_int_equal(ERR_peek_error(), 0); /* OpenSSL's error queue is left empty */
	tls_hello_free(h);
}

/* The name in a hello whose end never came: found when its bytes are there, else "more". */
static void test_hello_prefix(void **state)
{
	uint8_t rec[4096];
	char name[TLS_HELLO_NAME_MAX];
	size_t n = client_hello("mega.nz", rec, sizeof(rec)) - 5, cut;

	(void)state;
	assert_int_equal(tls_hello_sni_prefix(rec + 5, n, name, sizeof(name)), 0);
	assert_string_equal(name, "mega.nz");
	/* the shortest prefix holding the name, then one byte less */
	for (cut = 40; cut < n && tls_hello_sni_prefix(rec + 5, cut, name, sizeof(name)); cut++)
		;
	assert_true(cut < n);
	assert_int_equal(tls_hello_sni_prefix(rec + 5, cut - 1, name, sizeof(name)), -EAGAIN);
	n = client_hello(NULL, rec, sizeof(rec)) - 5;
	assert_int_equal(tls_hello_sni_prefix(rec + 5, n, name, sizeof(name)), -ENOENT);
	assert_int_equal(tls_hello_sni_prefix((const uint8_t *)"\2\0\0\4", 4, name, sizeof(name)),
			 -EINVAL);
}

static void hex(const char *s, uint8_t *out)
{
	for (size_t i = 0; s[2 * i]; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
}

/* RFC 9001 A.1 and RFC 9369 A.1: the client's keys for DCID 0x8394c8f03e515708. */
static void test_initial_keys(void **state)
{
	uint8_t dcid[8], key[16], iv[12], hp[16], want[16];

	(void)state;
	hex("8394c8f03e515708", dcid);
	assert_int_equal(quic_initial_keys(1, dcid, 8, key, iv, hp), 0);
	hex("1f369613dd76d5467730efcbe3b1a22d", want);
	assert_memory_equal(key, want, 16);
	hex("fa044b2f42a3fd3b46fb255c", want);
	assert_memory_equal(iv, want, 12);
	hex("9f50449e04a0e810283a1e9933adedd2", want);
	assert_memory_equal(hp, want, 16);
	assert_int_equal(quic_initial_keys(0x6b3343cf, dcid, 8, key, iv, hp), 0);
	hex("8b1a0bc121284290a29e0971b5cd045d", want);
	assert_memory_equal(key, want, 16);
	hex("91f73e2351d8fa91660e909f", want);
	assert_memory_equal(iv, want, 12);
	hex("45b95e15235d6f45a6b19cbcb0294ba9", want);
	assert_memory_equal(hp, want, 16);
	assert_int_equal(quic_initial_keys(0x12345678, dcid, 8, key, iv, hp), -ENOTSUP);
}

/*
 * Builds a client Initial (RFC 9001 section 5: AEAD over the header, then header protection)
 * carrying CRYPTO data [off, off + n) of hello, padded to 1200 bytes. Returns its length.
 */
static size_t initial(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint32_t pn,
		      const uint8_t *hello, size_t off, size_t n, uint8_t *out)
{
	uint8_t key[16], iv[12], hp[16], nonce[12], mask[16], plain[1400];
	size_t p = 0, hdr_len, body, pn_off;
	EVP_CIPHER_CTX *ctx;
	int len;

	assert_int_equal(quic_initial_keys(version, dcid, dcid_len, key, iv, hp), 0);
	/* frames: CRYPTO (offset and length as 2-byte varints), then PADDING */
	memset(plain, 0, sizeof(plain));
	plain[p++] = 0x06;
	plain[p++] = (uint8_t)(0x40 | off >> 8);
	plain[p++] = (uint8_t)off;
	plain[p++] = (uint8_t)(0x40 | n >> 8);
	plain[p++] = (uint8_t)n;
	memcpy(plain + p, hello + off, n);
	body = 1200 - 60; /* padded: the datagram reaches 1200 bytes */
	assert_true(p + n <= body);
	/* header: long, Initial (type 0 in v1, 1 in v2), 4-byte packet number */
	p = 0;
	out[p++] = (uint8_t)(0xc0 | (version == 1 ? 0 : 1) << 4 | 3);
	out[p++] = (uint8_t)(version >> 24);
	out[p++] = (uint8_t)(version >> 16);
	out[p++] = (uint8_t)(version >> 8);
	out[p++] = (uint8_t)version;
	out[p++] = (uint8_t)dcid_len;
	memcpy(out + p, dcid, dcid_len);
	p += dcid_len;
	out[p++] = 0; /* no source connection id */
	out[p++] = 0; /* no token */
	out[p++] = (uint8_t)(0x40 | (4 + body + 16) >> 8);
	out[p++] = (uint8_t)(4 + body + 16);
	pn_off = p;
	for (int i = 3; i >= 0; i--)
		out[p++] = (uint8_t)(pn >> (8 * i));
	hdr_len = p;
	memcpy(nonce, iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	ctx = EVP_CIPHER_CTX_new();
	assert_true(EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, nonce));
	assert_true(EVP_EncryptUpdate(ctx, NULL, &len, out, (int)hdr_len));
	assert_true(EVP_EncryptUpdate(ctx, out + hdr_len, &len, plain, (int)body));
	assert_true(EVP_EncryptFinal_ex(ctx, out + hdr_len + len, &len));
	assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + hdr_len + body));
	EVP_CIPHER_CTX_free(ctx);
	ctx = EVP_CIPHER_CTX_new();
	assert_true(EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, hp, NULL));
	assert_true(EVP_EncryptUpdate(ctx, mask, &len, out + pn_off + 4, 16));
	EVP_CIPHER_CTX_free(ctx);
	out[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		out[pn_off + i] ^= mask[1 + i];
	return hdr_len + body + 16;
}

static void quic_sni(uint32_t version)
{
	struct quic_initial *q = quic_initial_new();
	struct tls_hello *h = tls_hello_new();
	uint8_t rec[4096], pkt[2][1400], dcid[8] = { 1, 2, 3, 4, 5, 6, 7, (uint8_t)version };
	const uint8_t *msg;
	size_t n, len[2], msg_len, half;
	char name[TLS_HELLO_NAME_MAX];

	assert_non_null(q);
	n = client_hello("venus.web.telegram.org", rec, sizeof(rec)) - 5; /* the bare message */
	half = n / 2;
	len[0] = initial(version, dcid, 8, 0, rec + 5, 0, half, pkt[0]);
	len[1] = initial(version, dcid, 8, 1, rec + 5, half, n - half, pkt[1]);
	/* the second half first: nothing yet; then the first: the whole hello */
	assert_int_equal(quic_initial_feed(q, pkt[1], len[1], &msg, &msg_len), 0);
	assert_int_equal(quic_initial_feed(q, pkt[0], len[0], &msg, &msg_len), 1);
	assert_int_equal(msg_len, n);
	assert_int_equal(tls_hello_sni_message(h, msg, msg_len, name, sizeof(name)), 0);
	assert_string_equal(name, "venus.web.telegram.org");
	/* a retransmission of a hello already read: nothing more */
	assert_int_equal(quic_initial_feed(q, pkt[0], len[0], &msg, &msg_len), 0);
	/* a damaged tag: refused */
	dcid[0] = 9;
	len[0] = initial(version, dcid, 8, 0, rec + 5, 0, n, pkt[0]);
	pkt[0][len[0] - 1] ^= 1;
	assert_int_equal(quic_initial_feed(q, pkt[0], len[0], &msg, &msg_len), -EINVAL);
	quic_initial_free(q);
	tls_hello_free(h);
}

static void test_quic_v1(void **state)
{
	(void)state;
	quic_sni(1);
}

static void test_quic_v2(void **state)
{
	(void)state;
	quic_sni(0x6b3343cf);
}

static void test_quic_not_initial(void **state)
{
	struct quic_initial *q = quic_initial_new();
	uint8_t short_hdr[1300] = { 0x40, 1, 2, 3 },
		unknown[1300] = { 0xc0, 0x0a, 0x0a, 0x0a, 0x0a };
	const uint8_t *msg;
	size_t msg_len;

	(void)state;
	assert_int_equal(quic_initial_feed(q, short_hdr, sizeof(short_hdr), &msg, &msg_len), 0);
	/* a greased or unknown version */
	assert_int_equal(quic_initial_feed(q, unknown, sizeof(unknown), &msg, &msg_len), -ENOTSUP);
	/* a long header cut short */
	assert_int_equal(
		quic_initial_feed(q, (const uint8_t *)"\xc0\0\0\0\1\x14", 6, &msg, &msg_len), 0);
	quic_initial_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_hello),    cmocka_unit_test(test_hello_prefix),
		cmocka_unit_test(test_initial_keys), cmocka_unit_test(test_quic_v1),
		cmocka_unit_test(test_quic_v2),	     cmocka_unit_test(test_quic_not_initial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
