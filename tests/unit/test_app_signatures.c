// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of what names a flow past Debian's nDPI 4.2 (agent/net/stun.c,
 * agent/net/app_signatures.c, ranges bound to a port in the catalog): STUN and TURN messages
 * built here by the RFCs' layout -- a relay's REALM for Telegram and Messenger, WhatsApp's
 * message types and attributes, Microsoft's attributes, a Send indication carrying the peer's
 * message, a realm of junk, a message whose length lies -- WhatsApp's chat prologue with and
 * without its routing header, and Meta's networks naming WhatsApp on port 5222 only.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "raqib/rules.h"
#include "net/app_signatures.h"
#include "net/stun.h"

/* A STUN message of type with one attribute (attr, value), cookie or not; returns its length. */
static size_t stun(uint16_t type, bool cookie, uint16_t attr, const void *value, size_t vlen,
		   uint8_t *out)
{
	size_t padded = (vlen + 3) & ~(size_t)3, n = 20 + 4 + padded;

	memset(out, 0, n);
	out[0] = (uint8_t)(type >> 8);
	out[1] = (uint8_t)type;
	out[2] = (uint8_t)((n - 20) >> 8);
	out[3] = (uint8_t)(n - 20);
	if (cookie) {
		out[4] = 0x21;
		out[5] = 0x12;
		out[6] = 0xa4;
		out[7] = 0x42;
	}
	memset(out + 8, 0x5a, 12); /* transaction id */
	out[20] = (uint8_t)(attr >> 8);
	out[21] = (uint8_t)attr;
	out[22] = (uint8_t)(vlen >> 8);
	out[23] = (uint8_t)vlen;
	memcpy(out + 24, value, vlen);
	return n;
}

static void test_stun(void **state)
{
	uint8_t m[512], inner[128];
	size_t n, in;

	(void)state;
	/* an Allocate error answer of a relay naming its realm */
	n = stun(0x0113, true, 0x0014, "turn.telegram.org", 17, m);
	assert_string_equal(stun_app_name(m, n), "TelegramVoip");
	n = stun(0x0103, true, 0x0014, "Facebook", 8, m);
	assert_string_equal(stun_app_name(m, n), "FacebookVoip");
	n = stun(0x0003, true, 0x0014, "whispersystems.org", 18, m);
	assert_string_equal(stun_app_name(m, n), "SignalVoip");
	/* a realm of junk names nothing */
	n = stun(0x0113, true, 0x0014, "tele\x01gram", 9, m);
	assert_null(stun_app_name(m, n));
	/* WhatsApp's own message type, and its attributes */
	n = stun(0x0800, true, 0x0020, "\0\1\0\0\0\0\0\0", 8, m);
	assert_string_equal(stun_app_name(m, n), "WhatsAppCall");
	n = stun(0x0001, true, 0x4002, "\1\2\3\4", 4, m);
	assert_string_equal(stun_app_name(m, n), "WhatsAppCall");
	/* Microsoft's implementation version: Teams */
	n = stun(0x0001, true, 0x8070, "\0\0\0\2", 4, m);
	assert_string_equal(stun_app_name(m, n), "Skype_TeamsCall");
	/* a Send indication (TURN) whose DATA is the peer's message, naming Messenger */
	in = stun(0x0111, true, 0x0014, "facebook.com", 12, inner);
	n = stun(0x0016, true, 0x0013, inner, in, m);
	assert_string_equal(stun_app_name(m, n), "FacebookVoip");
	/* a plain binding request names nothing; a length running past the datagram is no STUN */
	n = stun(0x0001, true, 0x0006, "user", 4, m);
	assert_null(stun_app_name(m, n));
	n = stun(0x0001, true, 0x0014, "telegram", 8, m);
	assert_null(stun_app_name(m, n - 4));
	/* classic STUN (no cookie) must fill the datagram exactly */
	n = stun(0x0001, false, 0x0014, "telegram", 8, m);
	assert_string_equal(stun_app_name(m, n), "TelegramVoip");
	assert_null(stun_app_name(m, n + 4));
	/* RTP (first bits 10) is not STUN */
	m[0] = 0x80;
	assert_null(stun_app_name(m, n));
}

static void test_whatsapp_prologue(void **state)
{
	static const uint8_t bare[] = { 'W', 'A', 6, 3, 0, 1, 0x2c, 0x12 };
	static const uint8_t routed[] = { 'E', 'D', 0, 1, 0, 0, 4, 8, 2, 0x10, 1,
					  'W', 'A', 6, 3, 0, 1, 0x2c };
	static const uint8_t routed_alone[] = { 'E', 'D', 0, 1, 0, 0, 4, 8, 2, 0x10, 1 };
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";
	static const uint8_t wrong_len[] = { 'E', 'D', 0, 1, 0, 0, 9, 8, 2, 'W', 'A', 6, 3 };

	(void)state;
	assert_true(app_signature_is_whatsapp_prologue(bare, sizeof(bare)));
	assert_true(app_signature_is_whatsapp_prologue(routed, sizeof(routed)));
	assert_true(app_signature_is_whatsapp_prologue(routed_alone, sizeof(routed_alone)));
	assert_false(app_signature_is_whatsapp_prologue(http, sizeof(http) - 1));
	assert_false(app_signature_is_whatsapp_prologue(wrong_len, sizeof(wrong_len)));
	assert_false(app_signature_is_whatsapp_prologue(bare, 3));
}

/* Meta's shared networks are WhatsApp's on port 5222 only; its published servers on any port. */
static void test_port_bound_ranges(void **state)
{
	struct rules_error err;
	struct rules *r = rules_new_builtin(&err);
	uint8_t meta[4], tg[4];

	(void)state;
	assert_non_null(r);
	inet_pton(AF_INET, "157.240.200.10", meta);
	inet_pton(AF_INET, "149.154.167.51", tg);
	assert_string_equal(rules_app_by_endpoint(r, AF_INET, meta, 5222)->id, "whatsapp");
	assert_null(rules_app_by_endpoint(r, AF_INET, meta, 443));
	assert_null(rules_app_by_ip(r, AF_INET, meta));
	assert_string_equal(rules_app_by_endpoint(r, AF_INET, tg, 443)->id, "telegram");
	rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stun),
		cmocka_unit_test(test_whatsapp_prologue),
		cmocka_unit_test(test_port_bound_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
