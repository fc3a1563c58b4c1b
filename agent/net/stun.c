// SPDX-License-Identifier: GPL-2.0-only
/*
 * STUN and TURN messages (see stun.h). A message is a 20-byte header -- type, length, the
 * magic cookie 0x2112A442 (absent in classic STUN), a transaction id -- and attributes, each a
 * type, a length and a value padded to 4 bytes. The length must account for the datagram
 * exactly (UDP) or fit in it (TCP, where more may follow).
 */
#include "stun.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define STUN_HDR_LEN	 20
#define STUN_COOKIE	 0x2112A442u
#define ATTR_REALM	 0x0014
#define ATTR_DATA	 0x0013
#define REALM_MAX	 128

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The app a TURN server's realm names (the operators put their domain in it). */
static const char *by_realm(const uint8_t *v, size_t len)
{
	static const struct {
		const char *word;
		const char *name;
	} realms[] = {
		{ "telegram", "TelegramVoip" },	 { "facebook", "FacebookVoip" },
		{ "whispersystems", "SignalVoip" }, { "signal.org", "SignalVoip" },
		{ "viber", "ViberVoip" },
	};
	char realm[REALM_MAX + 1];

	if (len == 0 || len > REALM_MAX)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < 0x20 || v[i] >= 0x7f)
			return NULL; /* some realms are junk: only text names an operator */
		realm[i] = (char)tolower(v[i]);
	}
	realm[len] = '\0';
	for (size_t i = 0; i < sizeof(realms) / sizeof(realms[0]); i++)
		if (strstr(realm, realms[i].word))
			return realms[i].name;
	return NULL;
}

static const char *message_app(const uint8_t *p, size_t len, int depth)
{
	uint16_t type, mlen;
	bool cookie;
	const char *found = NULL;

	if (len < STUN_HDR_LEN || (p[0] & 0xc0))
		return NULL; /* the two top bits of a STUN message type are zero */
	type = be16(p);
	mlen = be16(p + 2);
	cookie = be32(p + 4) == STUN_COOKIE;
	if (type == 0 || (mlen & 3) || STUN_HDR_LEN + (size_t)mlen > len)
		return NULL;
	if (!cookie && STUN_HDR_LEN + (size_t)mlen != len)
		return NULL; /* classic STUN: the message must be the whole datagram */
	/* WhatsApp's own message types (its calls' relays) */
	if (type == 0x0800 || type == 0x0801 || type == 0x0802)
		return "WhatsAppCall";
	for (size_t off = STUN_HDR_LEN; off + 4 <= STUN_HDR_LEN + (size_t)mlen;) {
		uint16_t attr = be16(p + off), alen = be16(p + off + 2);
		size_t next = off + 4 + (((size_t)alen + 3) & ~(size_t)3);
		const uint8_t *v = p + off + 4;

		if (next > STUN_HDR_LEN + (size_t)mlen)
			return found; /* an attribute running past the message: stop there */
		switch (attr) {
		case ATTR_REALM:
			if (!found)
				found = by_realm(v, alen);
			break;
		case 0x4000: /* WhatsApp's attributes */
		case 0x4001:
		case 0x4002:
		case 0x4003:
		case 0x4004:
		case 0x4007:
			return "WhatsAppCall";
		case 0x8054: /* Microsoft: candidate identifier */
		case 0x8055: /* service quality */
		case 0x8070: /* implementation version */
		case 0x8095: /* multiplexed TURN session id */
		case 0x8006:
		case 0x8036:
		case 0x24df:
		case 0x3802:
			if (!found)
				found = "Skype_TeamsCall";
			break;
		case 0x0101: /* Zoom's */
		case 0x0103:
			return "Zoom";
		case ATTR_DATA:
			/* a TURN Send or Data indication: the peer's message inside, once */
			if (!found && depth == 0)
				found = message_app(v, alen, depth + 1);
			break;
		default:
			break;
		}
		off = next;
	}
	return found;
}

const char *stun_app_name(const uint8_t *payload, size_t len)
{
	return message_app(payload, len, 0);
}
