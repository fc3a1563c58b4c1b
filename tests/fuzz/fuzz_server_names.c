// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the server names read from handshakes the names tier copies from every
 * process (hostile input): TLS ClientHello records and bare hello messages through OpenSSL's
 * parser (net/tls_hello.c), QUIC client Initials (net/quic_initial.c: header, packet number,
 * decryption, CRYPTO frames put together), and whole packet records (pipeline/packet_names.c:
 * IP parsing, DNS answers, the above). The first byte chooses; for QUIC the rest is datagrams,
 * each a 2-byte big-endian length and that many bytes. The parsers' objects are made once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/quic_initial.h"
#include "net/tls_hello.h"
#include "pipeline/packet_names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= TLS_HELLO_NAME_MAX)
		abort(); /* a name is given whole and bounded */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tls_hello *hello;
	static struct quic_initial *quic;
	static struct packet_names *names;
	static struct raqib_event_packet ev;
	char name[TLS_HELLO_NAME_MAX];
	const uint8_t *msg;
	size_t msg_len;

	if (!hello) {
		hello = tls_hello_new();
		quic = quic_initial_new();
		names = packet_names_new(1024);
		if (!hello || !quic || !names)
			abort();
	}
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		if (tls_hello_sni(hello, data + 1, size - 1, name, sizeof(name)) == 0)
			check_name(name);
		break;
	case 1:
		if (tls_hello_sni_message(hello, data + 1, size - 1, name, sizeof(name)) == 0)
			check_name(name);
		if (tls_hello_sni_prefix(data + 1, size - 1, name, sizeof(name)) == 0)
			check_name(name);
		break;
	case 2:
		for (size_t off = 1; off + 2 <= size;) {
			size_t len = (size_t)data[off] << 8 | data[off + 1];

			off += 2;
			if (len > size - off)
				len = size - off;
			if (quic_initial_feed(quic, data + off, len, &msg, &msg_len) == 1) {
				if (msg_len == 0 || msg_len > QUIC_HELLO_MAX)
					abort();
				if (tls_hello_sni_message(hello, msg, msg_len, name,
							  sizeof(name)) == 0)
					check_name(name);
			}
			off += len;
		}
		break;
	default:
		if (size < 3 || size - 2 > RAQIB_PKT_MAX)
			return 0;
		memset(&ev.hdr, 0, sizeof(ev.hdr));
		ev.what = data[1] % 4;
		ev.len = (__u32)(size - 2);
		memcpy(ev.data, data + 2, size - 2);
		packet_names_on_packet(names, &ev);
		break;
	}
	return 0;
}
