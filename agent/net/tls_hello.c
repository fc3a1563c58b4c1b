// SPDX-License-Identifier: GPL-2.0-only
/*
 * ClientHello server names through OpenSSL (see tls_hello.h). The callback reads the raw
 * server_name extension (RFC 6066 section 3: a list of (type, name); type 0 is a host name)
 * and always stops the handshake: SSL_accept() then fails by design, and its error queue is
 * cleared so that nothing accumulates.
 */
#include "tls_hello.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define TLS_RECORD_MAX 16384

struct tls_hello {
	SSL_CTX *ctx;
};

/* What the callback found, through SSL_set_app_data(). */
struct hello_result {
	int status; /* -EINVAL until the callback runs */
	char *out;
	size_t out_len;
};

static int on_client_hello(SSL *ssl, int *alert, void *arg)
{
	struct hello_result *r = SSL_get_app_data(ssl);
	const unsigned char *ext;
	size_t len, list, name;

	(void)alert;
	(void)arg;
	r->status = -ENOENT;
	if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &len) || len < 5)
		return SSL_CLIENT_HELLO_ERROR;
	list = (size_t)ext[0] << 8 | ext[1];
	name = (size_t)ext[3] << 8 | ext[4];
	if (list + 2 > len || ext[2] != 0 || name == 0 || name + 5 > len || name >= r->out_len ||
	    name >= TLS_HELLO_NAME_MAX)
		return SSL_CLIENT_HELLO_ERROR;
	for (size_t i = 0; i < name; i++) {
		unsigned char c = ext[5 + i];

		/* a host name is printable ASCII; anything else is no name to learn */
		if (c <= ' ' || c >= 0x7f)
			return SSL_CLIENT_HELLO_ERROR;
		r->out[i] = (char)tolower(c);
	}
	r->out[name] = '\0';
	r->status = 0;
	return SSL_CLIENT_HELLO_ERROR; /* enough: stop here */
}

struct tls_hello *tls_hello_new(void)
{
	struct tls_hello *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->ctx = SSL_CTX_new(TLS_server_method());
	if (!h->ctx) {
		ERR_clear_error();
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	SSL_CTX_set_client_hello_cb(h->ctx, on_client_hello, NULL);
	return h;
}

void tls_hello_free(struct tls_hello *h)
{
	if (!h)
		return;
	SSL_CTX_free(h->ctx);
	free(h);
}

int tls_hello_sni(struct tls_hello *h, const uint8_t *records, size_t len, char *out,
		  size_t out_len)
{
	struct hello_result r = { .status = -EINVAL, .out = out, .out_len = out_len };
	SSL *ssl;
	BIO *in, *sink;

	if (len < 6 || records[0] != 22 || records[5] != 1 || len > INT32_MAX)
		return -EINVAL;
	ssl = SSL_new(h->ctx);
	in = BIO_new_mem_buf(records, (int)len);
	sink = BIO_new(BIO_s_mem());
	if (!ssl || !in || !sink) {
		BIO_free(in);
		BIO_free(sink);
		SSL_free(ssl);
		ERR_clear_error();
		return -ENOMEM;
	}
	BIO_set_mem_eof_return(in, -1); /* the end of the bytes: "want more", not an error */
	SSL_set_bio(ssl, in, sink);
	SSL_set_app_data(ssl, &r);
	if (SSL_accept(ssl) <= 0 && r.status == -EINVAL &&
	    SSL_get_error(ssl, -1) == SSL_ERROR_WANT_READ)
		r.status = -EAGAIN;
	SSL_free(ssl);
	ERR_clear_error();
	return r.status;
}

int tls_hello_sni_message(struct tls_hello *h, const uint8_t *msg, size_t len, char *out,
			  size_t out_len)
{
	uint8_t *records;
	size_t n = 0;
	int rc;

	if (len < 4 || msg[0] != 1)
		return -EINVAL;
	if (len > 4 * TLS_RECORD_MAX)
		len = 4 * TLS_RECORD_MAX;
	records = malloc(len + 5 * (len / TLS_RECORD_MAX + 1));
	if (!records)
		return -ENOMEM;
	/* handshake records of 16 KiB at most, legacy version 3.1 as clients write them */
	for (size_t off = 0; off < len; off += TLS_RECORD_MAX) {
		size_t part = len - off < TLS_RECORD_MAX ? len - off : TLS_RECORD_MAX;

		records[n++] = 22;
		records[n++] = 3;
		records[n++] = 1;
		records[n++] = (uint8_t)(part >> 8);
		records[n++] = (uint8_t)part;
		memcpy(records + n, msg + off, part);
		n += part;
	}
	rc = tls_hello_sni(h, records, n, out, out_len);
	free(records);
	return rc;
}

/* Moves *off past a field of n bytes, or says the bytes end first. */
static int skip(size_t *off, size_t n, size_t len)
{
	if (*off + n > len)
		return -EAGAIN;
	*off += n;
	return 0;
}

int tls_hello_sni_prefix(const uint8_t *m, size_t len, char *out, size_t out_len)
{
	size_t off = 4 + 2 + 32, ext_end;

	if (len < 4 || m[0] != 1)
		return -EINVAL;
	/* session id, cipher suites, compression methods */
	if (off + 1 > len || skip(&off, 1 + (size_t)m[off], len))
		return -EAGAIN;
	if (off + 2 > len || skip(&off, 2 + ((size_t)m[off] << 8 | m[off + 1]), len))
		return -EAGAIN;
	if (off + 1 > len || skip(&off, 1 + (size_t)m[off], len))
		return -EAGAIN;
	if (off + 2 > len)
		return -EAGAIN;
	ext_end = off + 2 + ((size_t)m[off] << 8 | m[off + 1]);
	off += 2;
	while (off + 4 <= ext_end) {
		unsigned type;
		size_t elen;

		if (off + 4 > len)
			return -EAGAIN;
		type = (unsigned)m[off] << 8 | m[off + 1];
		elen = (size_t)m[off + 2] << 8 | m[off + 3];
		if (type == TLSEXT_TYPE_server_name) {
			size_t name;

			if (off + 9 > len)
				return -EAGAIN;
			name = (size_t)m[off + 7] << 8 | m[off + 8];
			if (m[off + 6] != 0 || name == 0 || name + 5 > elen || name >= out_len ||
			    name >= TLS_HELLO_NAME_MAX)
				return -EINVAL;
			if (off + 9 + name > len)
				return -EAGAIN;
			for (size_t i = 0; i < name; i++) {
				unsigned char c = m[off + 9 + i];

				if (c <= ' ' || c >= 0x7f)
					return -EINVAL;
				out[i] = (char)tolower(c);
			}
			out[name] = '\0';
			return 0;
		}
		off += 4 + elen;
	}
	return off >= ext_end ? -ENOENT : -EAGAIN;
}
