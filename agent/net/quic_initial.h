/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ClientHello inside a QUIC client's Initial packets. Initial packets are encrypted with
 * keys anyone can derive from the packet itself (RFC 9001 section 5.2: HKDF over the
 * Destination Connection ID with a salt fixed per version), so a passive observer reads the
 * ClientHello, and its server name, as a server would. Versions: QUIC v1 (RFC 9000), v2
 * (RFC 9369), IETF drafts 23 to 32, and Facebook's mvfst variants of them -- including the
 * ones Debian's nDPI 4.2 does not decrypt. OpenSSL does the cryptography (HKDF-SHA256,
 * AES-128-ECB for header protection, AES-128-GCM).
 *
 * A ClientHello larger than one Initial (a post-quantum key share makes it ~1.8 KB) spans
 * several packets: their CRYPTO frames are put together by offset, per Destination Connection
 * ID, in a small table (the oldest entry goes first). Hostile input; not thread-safe.
 */
#ifndef RAQIB_AGENT_QUIC_INITIAL_H
#define RAQIB_AGENT_QUIC_INITIAL_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of one ClientHello put together at most. */
#define QUIC_HELLO_MAX 8192

struct quic_initial;

struct quic_initial *quic_initial_new(void);
void quic_initial_free(struct quic_initial *q);

/*
 * Takes one UDP payload a client sent (a datagram may coalesce several QUIC packets; the
 * Initial among them is read). Returns 1 and sets *hello and *len to the ClientHello message
 * (handshake header included) once it is complete; 2 and sets them to the part from its start
 * that has come so far, when more is needed (a client whose first Initial is not answered
 * sends no second one: its server name may be in that part, tls_hello_sni_prefix()) -- valid
 * until the next call; 0 when the datagram holds no readable client Initial, or nothing from
 * the hello's start yet; -ENOTSUP for a QUIC version it does not know; -EINVAL for a malformed
 * or undecryptable packet.
 */
int quic_initial_feed(struct quic_initial *q, const uint8_t *payload, size_t len,
		      const uint8_t **hello, size_t *hello_len);

/* The version number of a long-header packet (0 for a short header or a cut packet). */
uint32_t quic_packet_version(const uint8_t *payload, size_t len);

/*
 * The client's Initial keys for a version and Destination Connection ID (key 16 bytes, iv 12,
 * hp 16): for tests against the RFCs' examples. Returns 0 or -ENOTSUP.
 */
int quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint8_t key[16],
		      uint8_t iv[12], uint8_t hp[16]);

#endif /* RAQIB_AGENT_QUIC_INITIAL_H */
