/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The server name (SNI) a TLS ClientHello asks for, read by OpenSSL's own ClientHello parser:
 * the bytes go to a server-side SSL object through a memory BIO, and its client-hello callback
 * takes the server_name extension and ends the handshake there. Nothing is answered, no key
 * is made. Hostile input (the names tier copies ClientHellos of every process).
 */
#ifndef RAQIB_AGENT_TLS_HELLO_H
#define RAQIB_AGENT_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

#define TLS_HELLO_NAME_MAX 256

struct tls_hello;

/* NULL + errno (OpenSSL could not make a context). */
struct tls_hello *tls_hello_new(void);
void tls_hello_free(struct tls_hello *hello);

/*
 * The SNI of the ClientHello in records[0..len) (TLS records as a client sends them first).
 * Returns 0 with out filled (lower case, at most TLS_HELLO_NAME_MAX - 1 bytes); -ENOENT for a
 * ClientHello without a host name; -EAGAIN when the bytes end before the ClientHello does;
 * -EINVAL when they are no ClientHello.
 */
int tls_hello_sni(struct tls_hello *hello, const uint8_t *records, size_t len, char *out,
		  size_t out_len);

/* The same for a bare ClientHello handshake message (QUIC carries it without records). */
int tls_hello_sni_message(struct tls_hello *hello, const uint8_t *msg, size_t len, char *out,
			  size_t out_len);

/*
 * The SNI in the first len bytes of a bare ClientHello message whose rest never came (a QUIC
 * client whose first Initial got no answer sends no second one; a capture cut short). OpenSSL
 * reads whole hellos only, so this walks the fields up to the extensions and the extensions in
 * the bytes there are (RFC 8446 section 4.1.2). Returns 0 with out filled; -EAGAIN when the
 * bytes end before the name; -ENOENT when the extensions end without one; -EINVAL otherwise.
 */
int tls_hello_sni_prefix(const uint8_t *msg, size_t len, char *out, size_t out_len);

#endif /* RAQIB_AGENT_TLS_HELLO_H */
