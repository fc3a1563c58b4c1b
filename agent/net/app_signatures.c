// SPDX-License-Identifier: GPL-2.0-only
#include "app_signatures.h"

#include <string.h>

#define DISCORD_IP_DISCOVERY_LEN  74
#define DISCORD_IP_DISCOVERY_BODY 70
#define DISCORD_ADDRESS_LEN	  64

int app_signature_is_discord_ip_discovery(const uint8_t *payload, size_t len)
{
	const uint8_t *address = payload + 8;
	size_t n;

	if (len != DISCORD_IP_DISCOVERY_LEN || payload[0] != 0 ||
	    (payload[1] != 1 && payload[1] != 2) || payload[2] != 0 ||
	    payload[3] != DISCORD_IP_DISCOVERY_BODY)
		return 0;
	/* the address is a string, NUL-terminated within its 64 bytes, then only NULs */
	n = strnlen((const char *)address, DISCORD_ADDRESS_LEN);

	if (n == DISCORD_ADDRESS_LEN)
		return 0;
	for (size_t i = n; i < DISCORD_ADDRESS_LEN; i++)
		if (address[i])
			return 0;
	/* a request carries no address; an answer carries one */
	return payload[1] == 1 ? n == 0 : n > 0;
}

/* "WA", then the magic (1 to 15) and the dictionary version (0 to 31) */
static int wa_prologue_at(const uint8_t *p, size_t len)
{
	return len >= 4 && p[0] == 'W' && p[1] == 'A' && p[2] >= 1 && p[2] <= 15 && p[3] <= 31;
}

int app_signature_is_whatsapp_prologue(const uint8_t *payload, size_t len)
{
	size_t route;

	if (wa_prologue_at(payload, len))
		return 1;
	/* the edge routing header first */
	if (len < 7 || payload[0] != 'E' || payload[1] != 'D' || payload[2] != 0 || payload[3] != 1)
		return 0;
	route = (size_t)payload[4] << 16 | (size_t)payload[5] << 8 | payload[6];
	if (route > 255 || 7 + route > len)
		return 0;
	/* the routing header may come alone in the first segment */
	return 7 + route == len || wa_prologue_at(payload + 7 + route, len - 7 - route);
}
